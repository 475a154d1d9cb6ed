"""Reading our own source in tests: ``parse`` is ast.parse without the garbage collector.

CPython 3.11's AST conversion fails with "SystemError: AST constructor recursion depth
mismatch" when a finalizer runs in the middle of it (cpython gh-106905): a collection started
by the conversion's own allocations finalizes objects an earlier test left behind (a NATS
client of a stopped server, still retrying). It failed so on clean clones in two different
tests (the rules' purity, the error words); every test that parses source uses this. The
same error can come from the recursion limit changing under the conversion (another thread's
sys.setrecursionlimit, which 3.11 applies to every thread), which no collector setting stops:
then the parse, deterministic for our unchanged source, is done once more.
"""

from __future__ import annotations

import ast
import gc


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    for attempt in (1, 2):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return ast.parse(source, filename)
        except SystemError as error:  # only CPython's own defect, and only once
            if attempt == 2 or "recursion depth mismatch" not in str(error):
                raise
        finally:
            if enabled:
                gc.enable()
    raise AssertionError("unreachable")
