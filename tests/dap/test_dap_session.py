"""Whole debug sessions against `python -m lexis_ls.dap` over real pipes."""

from __future__ import annotations

import time
from pathlib import Path

from dap_support import FIXTURES, DapClient

# Lines (1-based) in the fixtures.
CALLS_FIVE, CALLS_ONCE, CALLS_XS, CALLS_YS, CALLS_ZERO = 6, 7, 8, 9, 10
DOUBLE_X, DOUBLE_TWO, DOUBLE_RESULT, DOUBLE_OUT = 18, 19, 20, 21


def test_initialize_answers_the_capabilities_then_sends_initialized(dap: DapClient) -> None:
    caps = dap.request("initialize", {"adapterID": "lexis", "linesStartAt1": True})
    assert caps["supportsConfigurationDoneRequest"] is True
    assert caps["supportsEvaluateForHovers"] is True
    assert caps["supportsConditionalBreakpoints"] is True
    assert caps["supportsTerminateRequest"] is True
    assert caps["supportsStepBack"] is False
    assert caps["exceptionBreakpointFilters"] == [
        {
            "filter": "errorValues",
            "label": "Error values",
            "description": "Stop when a node produces a new error value",
            "default": False,
        }
    ]
    dap.event("initialized")
    assert dap.request("threads")["threads"] == [{"id": 1, "name": "main"}]
    dap.disconnect()


def test_breakpoints_stop_before_their_nodes_with_frames_inside_subgraphs(dap: DapClient) -> None:
    result = dap.start(
        "calls.lexis.json",
        {
            3: None,
            CALLS_ONCE: None,
            DOUBLE_RESULT: None,
            DOUBLE_TWO: "x >",
            DOUBLE_OUT: "nope == 1",
        },
    )
    bps = result["breakpoints"]
    assert [b["verified"] for b in bps] == [False, True, True, False, False]
    assert "no Lexis node" in bps[0]["message"]
    assert [b["line"] for b in bps[1:3]] == [CALLS_ONCE, DOUBLE_RESULT]
    assert "invalid condition" in bps[3]["message"]
    assert "no node `nope`" in bps[4]["message"]

    stop = dap.stopped("breakpoint")
    assert stop["threadId"] == 1
    assert stop["hitBreakpointIds"] == [bps[1]["id"]]
    frames = dap.stack()
    assert [(f["name"], f["line"]) for f in frames] == [("main", CALLS_ONCE)]
    top = frames[0]
    assert top["source"]["path"] == str(FIXTURES / "calls.lexis.json")
    # The frame points at the node's "id" value: `"once"` (with its quotes), 1-based columns.
    assert (top["column"], top["endLine"], top["endColumn"]) == (12, CALLS_ONCE, 18)
    scopes = dap.request("scopes", {"frameId": top["id"]})["scopes"]
    assert [s["name"] for s in scopes] == ["Inputs of once", "Node values", "Params"]
    assert dap.variables(top["id"], "Node values") == {"five": "5"}
    assert dap.variables(top["id"], "Inputs") == {"five": "5"}

    dap.request("continue", {"threadId": 1})
    dap.stopped("breakpoint")
    frames = dap.stack()
    assert [(f["name"], f["line"]) for f in frames] == [
        ("double", DOUBLE_RESULT),
        ("main", CALLS_ONCE),
    ]
    inner = frames[0]["id"]
    assert dap.variables(inner, "Node values") == {"x": "5", "two": "2"}
    assert dap.variables(inner, "Arguments") == {"input_port 0": "5"}

    dap.request("continue", {"threadId": 1})
    dap.stopped("breakpoint")
    frames = dap.stack()
    assert [(f["name"], f["line"]) for f in frames] == [
        ("map #0 double", DOUBLE_RESULT),
        ("main", CALLS_YS),
    ]
    evaluate = dap.request("evaluate", {"expression": "x", "frameId": frames[0]["id"]})
    assert evaluate["result"] == "1"
    assert evaluate["type"] == "NUM"
    # Hover on an id of the calling frame (with its quotes, as an editor may send it).
    hover = dap.request(
        "evaluate", {"expression": '"once"', "frameId": frames[1]["id"], "context": "hover"}
    )
    assert hover["result"] == "10"
    xs = dap.request("evaluate", {"expression": "xs", "frameId": frames[0]["id"]})
    assert xs["result"] == "[1, 2, 3]"
    items = dap.request("variables", {"variablesReference": xs["variablesReference"]})
    assert [(v["name"], v["value"]) for v in items["variables"]] == [
        ("[0]", "1"),
        ("[1]", "2"),
        ("[2]", "3"),
    ]
    expr = dap.request("evaluate", {"expression": "x == 1 and two >= 2", "context": "repl"})
    assert expr["result"] == "true"
    missing = dap.error("evaluate", {"expression": "total", "frameId": frames[1]["id"]})
    assert "not been computed yet" in missing["message"]

    dap.set_breakpoints("calls.lexis.json", {})
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    assert dap.output() == "once=10 total=12\n"


def test_step_over_in_and_out_follow_the_schedule_and_the_calls(dap: DapClient) -> None:
    dap.start("calls.lexis.json", stopOnEntry=True)
    stop = dap.stopped("entry")
    assert stop["description"]
    assert dap.where() == ("main", CALLS_FIVE)

    def step(command: str) -> tuple[str, int]:
        dap.request(command, {"threadId": 1})
        dap.stopped("step")
        return dap.where()

    assert step("next") == ("main", CALLS_ONCE)
    assert step("stepIn") == ("double", DOUBLE_X)
    assert step("next") == ("double", DOUBLE_TWO)
    assert step("next") == ("double", DOUBLE_RESULT)
    assert step("next") == ("double", DOUBLE_OUT)
    # Stepping off the end of a call stops in the caller, at the calling node.
    assert step("next") == ("main", CALLS_ONCE)
    frame = dap.stack()[0]["id"]
    assert dap.variables(frame, "Returned from double") == {"out": "10"}
    assert step("next") == ("main", CALLS_XS)
    assert step("next") == ("main", CALLS_YS)
    assert step("stepIn") == ("map #0 double", DOUBLE_X)
    assert len(dap.stack()) == 2
    assert step("stepOut") == ("main", CALLS_YS)
    # From the map, stepIn enters the next iteration.
    assert step("stepIn") == ("map #1 double", DOUBLE_X)
    assert step("next") == ("map #1 double", DOUBLE_TWO)
    assert step("stepOut") == ("main", CALLS_YS)
    # next runs the rest of the map (iteration #2 is not shown).
    assert step("next") == ("main", CALLS_ZERO)
    dap.request("stepOut", {"threadId": 1})  # out of the main graph: runs to the end
    dap.finish(0)
    assert dap.output() == "once=10 total=12\n"


def test_error_values_stop_with_reason_exception_and_show_the_cause_chain(dap: DapClient) -> None:
    dap.start(
        "errors.lexis.json",
        {12: None},  # `failed`
        exceptions=True,
        params={"divisor": "0"},
    )
    stop = dap.stopped("exception")
    assert "division" in stop["text"] and "(at node r)" in stop["text"]
    assert [(f["name"], f["line"]) for f in dap.stack()] == [("divide", 20), ("main", 9)]
    info = dap.request("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == "ErrorValue"
    assert info["breakMode"] == "always"
    assert info["details"]["evaluateName"] == "r"
    assert "division" in info["details"]["message"]

    # The wrapped error (q) and the propagated one (plus) do not stop again; the breakpoint does.
    dap.request("continue", {"threadId": 1})
    dap.stopped("breakpoint")
    assert dap.where() == ("main", 12)
    no_info = dap.error("exceptionInfo", {"threadId": 1})
    assert "not stopped on an error value" in no_info["message"]
    frame = dap.stack()[0]["id"]
    values = dap.variables(frame, "Node values")
    assert values["q"].startswith("Error: ") and values["q"].endswith("(at node q)")
    q = dap.request("evaluate", {"expression": "q", "frameId": frame})
    assert q["type"] == "ERROR"
    parts = dap.request("variables", {"variablesReference": q["variablesReference"]})
    fields = {v["name"]: v for v in parts["variables"]}
    assert fields["node"]["value"] == '"q"'
    cause = fields["cause"]
    assert cause["value"].endswith("(at node r)")
    assert cause["variablesReference"] > 0
    plus = dap.request("evaluate", {"expression": "plus", "frameId": frame})
    assert plus["result"] == q["result"]  # passed on unchanged
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    assert dap.output() == "true\n"


def test_output_events_carry_printed_lines_and_conditions_filter_stops(dap: DapClient) -> None:
    result = dap.start("printing.lexis.json", {18: "y > 1"})
    assert result["breakpoints"][0]["verified"] is True
    dap.stopped("breakpoint")
    frame = dap.stack()[0]
    assert (frame["name"], frame["line"]) == ("map #1 show_square", 18)
    assert dap.variables(frame["id"], "Node values") == {"x": "2", "y": "4"}
    assert dap.output() == "hello\n1 squared is 1\n"
    dap.request("continue", {"threadId": 1})
    dap.stopped("breakpoint")
    assert dap.where() == ("map #2 show_square", 18)
    assert dap.output() == "2 squared is 4\n"
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    assert dap.output() == "3 squared is 9\ndone\n"


def test_terminate_stops_a_stopped_program_cleanly(dap: DapClient) -> None:
    dap.start("printing.lexis.json", stopOnEntry=True)
    dap.stopped("entry")
    dap.request("terminate", {})
    assert dap.event("exited")["exitCode"] == 3
    dap.event("terminated")
    dap.disconnect()
    assert dap.output() == ""


def test_pause_while_running_and_zero_based_lines(dap: DapClient, tmp_path: Path) -> None:
    # A program that takes a while: delays in a map.
    program = tmp_path / "slow.lexis.json"
    program.write_text(
        """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "xs", "op": "const", "value": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
    {"id": "ys", "op": "map", "inputs": ["xs"], "value": "slow"},
    {"id": "p", "op": "print", "inputs": ["ys"]}
  ],
  "subgraphs": {
    "slow": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "shown", "op": "print", "inputs": ["x"]},
        {"id": "w", "op": "delay", "inputs": ["shown"], "value": 0.2},
        {"id": "out", "op": "output_port", "inputs": ["w"], "value": 0}
      ]
    }
  }
}
""",
        encoding="utf-8",
    )
    dap.request(
        "initialize", {"adapterID": "lexis", "linesStartAt1": False, "columnsStartAt1": False}
    )
    dap.event("initialized")
    dap.request("launch", {"program": str(program), "timeout": 30})
    dap.request("configurationDone")
    # Once the first element is printed, the run is inside the map, for about two seconds.
    assert dap.event("output")["output"] == "1\n"
    dap.request("pause", {"threadId": 1})
    dap.stopped("pause")
    frames = dap.stack()
    assert frames[0]["name"].startswith("map #")
    assert frames[-1]["line"] == 5  # 0-based line of `ys`
    assert frames[-1]["column"] == 11  # 0-based column of `"ys"`
    dap.request("disconnect", {"terminateDebuggee": True})
    assert dap.event("exited")["exitCode"] == 3
    dap.event("terminated")
    assert dap.proc.wait(10) == 0


def test_stdlib_frames_have_a_source_reference_with_the_subgraph_text(dap: DapClient) -> None:
    dap.start("calls.lexis.json", {11: None})  # `total`: reduce with std:add
    dap.stopped("breakpoint")
    dap.request("stepIn", {"threadId": 1})
    dap.stopped("step")
    top = dap.stack()[0]
    assert top["name"] == "reduce #0 std:add"
    source = top["source"]
    assert source["name"] == "std:add" and source["sourceReference"] > 0
    assert "path" not in source
    text = dap.request("source", {"sourceReference": source["sourceReference"]})["content"]
    lines = text.splitlines()
    assert '"input_port"' in lines[top["line"] - 1]
    dap.request("continue", {"threadId": 1})
    dap.finish(0)


def test_time_spent_stopped_does_not_count_against_the_timeout(dap: DapClient) -> None:
    dap.start("calls.lexis.json", stopOnEntry=True, timeout=1.0)
    dap.stopped("entry")
    time.sleep(1.5)
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
    assert dap.output() == "once=10 total=12\n"


def test_configuration_may_come_before_launch(dap: DapClient, tmp_path: Path) -> None:
    """Breakpoints set before launch are checked against the file on disk, then rebound."""
    dap.request("initialize", {"adapterID": "lexis"})
    dap.event("initialized")
    other = tmp_path / "other.lexis.json"
    other.write_text((FIXTURES / "calls.lexis.json").read_text(encoding="utf-8"), "utf-8")
    set_other = dap.request(
        "setBreakpoints", {"source": {"path": str(other)}, "breakpoints": [{"line": CALLS_XS}]}
    )
    assert set_other["breakpoints"][0]["verified"] is True  # a program file, not launched yet
    early = dap.set_breakpoints("calls.lexis.json", {CALLS_XS: "five == 5"})
    assert early["breakpoints"][0]["verified"] is True
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    dap.request("launch", {"program": str(FIXTURES / "calls.lexis.json")})
    changed = dap.event("breakpoint")
    assert changed["reason"] == "changed"
    assert changed["breakpoint"]["id"] == set_other["breakpoints"][0]["id"]
    assert changed["breakpoint"]["verified"] is False
    stop = dap.stopped("breakpoint")
    assert stop["hitBreakpointIds"] == [early["breakpoints"][0]["id"]]
    assert dap.where() == ("main", CALLS_XS)
    dap.request("continue", {"threadId": 1})
    dap.finish(0)
