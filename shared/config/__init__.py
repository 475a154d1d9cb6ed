"""Settings and the one policy loader every process uses and reloads alike."""
