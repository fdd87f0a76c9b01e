"""The curated synonym table: the names other languages and plain English give to every Lexis
opcode, standard-library subgraph and capability.

Programs are mostly written by language models, which name operations in the vocabulary of
Python, JavaScript, SQL, spreadsheets, Lisp, shell and English. The resolver
(:mod:`lexis_ls.lang.repair.names`) reads this table; a synonym whose input count (or port
count) fits is a *safe* fix, so an entry here is a promise that the foreign name means exactly
the Lexis operation, inputs in the same order.

How to extend it:

- Add a word to the tuple of the target it means. Write it as other languages spell it
  (``toUpperCase``, ``console.log``, ``startsWith``): the resolver compares names after
  normalising case and style (UPPER, camelCase, PascalCase, kebab-case, spaces, dots), so
  ``to_upper_case`` and ``TO-UPPER-CASE`` need no entry of their own, and neither do names that
  differ from the target only in style (``typeOf`` is already ``type_of``).
- A word with two meanings goes under both targets; the resolver then lets the node's input
  count (the target's arity, or ``Syn.inputs``) and, for ``Syn.where``, the graph it is in
  choose — or refuses when more than one fits (``write``: ``print`` with 1 input,
  ``write_file`` with 2).
- When the Lexis form needs more than a renamed op (inputs in another order, a subgraph
  ``value``, a widget config), use ``Syn(word, rename=False, note=...)``: the word is then
  suggested with its note, never fixed.
- A foreign name with no Lexis equivalent, or one close to a Lexis name with another meaning
  (``ne``, ``join``), goes into ``REFUSED`` with the reason: it is never fixed, and it keeps the
  spelling rules from "correcting" it into a wrong op.
- Never add misspellings (``lenght``): spelling is the resolver's job, and is at most a quick
  fix. Never add a word whose meaning depends on context the resolver cannot see.
- Every opcode, stdlib subgraph and capability has an entry (``NONE`` when nothing else names
  it); ``tests/lang/test_names.py`` checks that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Where = Literal["main", "subgraph"]


@dataclass(frozen=True)
class Syn:
    """A synonym with conditions: the input counts it stands for (Arity notation, ``"1"``,
    ``"2+"``; default the target's own arity), the graph it applies in, and whether renaming
    the op is the whole translation."""

    word: str
    inputs: str | None = None
    where: Where | None = None
    rename: bool = True
    note: str = ""


Entry = str | Syn
NONE: tuple[Entry, ...] = ()  # explicitly: no other language has a name for it

_WIDGET = 'a {kind} is a `gui_widget` node with `"value": {{"type": "{kind}", ...}}`'
_SHAPE = 'a {kind} is a `gui_draw` node with `"value": {{"shape": "{kind}", ...}}`'


def _variadic(*words: str, inputs: str = "2+") -> tuple[Syn, ...]:
    """Words of ops that other languages call with any number of arguments."""
    return tuple(Syn(w, inputs=inputs) for w in words)


def _widget(kind: str, *words: str) -> tuple[Syn, ...]:
    return tuple(Syn(w, rename=False, note=_WIDGET.format(kind=kind)) for w in (kind, *words))


def _shape(kind: str, *words: str) -> tuple[Syn, ...]:
    return tuple(Syn(w, rename=False, note=_SHAPE.format(kind=kind)) for w in (kind, *words))


_SUM_NOTE = 'a sum over a list is `reduce` with `"value": "std:add"` and a start value'
_PRODUCT_NOTE = 'a product over a list is `reduce` with `"value": "std:mul"` and a start value'
_FIRST_NOTE = "the first element is `index` with 0, or `subgraph_call` of `std:get_first`"
_LAST_NOTE = "the last element is `index` with -1, or `subgraph_call` of `std:get_last`"
_IN_NOTE = "`contains(container, x)` takes the container first: swap the inputs"
_CALL_NOTE = (
    "`subgraph_call` calls the subgraph named by its `value`; `apply` calls a FUNC arriving as "
    "its first input"
)

# opcode -> the names other languages and English give it.
OPS: dict[str, tuple[Entry, ...]] = {
    # --- literals and parameters ---
    "const": (
        "literal",
        "constant",
        "lit",
        "val",
        "let",
        Syn("value", inputs="0"),
        Syn("number", inputs="0"),
        Syn("num", inputs="0"),
        Syn("string", inputs="0"),
        Syn("str", inputs="0"),
        Syn("text", inputs="0"),
        Syn("int", inputs="0"),
        Syn("integer", inputs="0"),
        Syn("float", inputs="0"),
        Syn("bool", inputs="0"),
        Syn("boolean", inputs="0"),
        Syn("list", inputs="0"),
        Syn("array", inputs="0"),
        Syn("object", inputs="0"),
        Syn("data", inputs="0"),
    ),
    "param": (
        Syn("arg", where="main"),
        Syn("argument", where="main"),
        Syn("parameter", where="main"),
        Syn("input", where="main"),
        "get_param",
        "argv",
        "cli_arg",
        "runtime_param",
    ),
    # `console.log(a, b)` prints both: the count is then reported with that fix (LX1002).
    "print": (
        *_variadic(
            "console.log",
            "echo",
            "puts",
            "println",
            "print_line",
            "write_line",
            "writeln",
            "say",
            "display",
            "print_value",
            inputs="1+",
        ),
        "stdout",
        "write_stdout",
        Syn("write", inputs="1"),
        Syn("output", where="main"),
    ),
    # --- arithmetic ---
    # `sum(a, b, c)` is a chain of `add`s: the count is then reported with that fix (LX1002).
    "add": _variadic("+", "plus", "sum", "addition", "add_numbers"),
    "sub": ("-", "minus", "subtract", "subtraction", "sub_numbers"),
    "mul": _variadic("*", "times", "multiply", "mult", "multiplication", "product", "prod"),
    "div": ("/", "divide", "division", "divided_by", "true_div", "truediv", "fdiv"),
    "mod": ("%", "modulo", "modulus", "mod_op"),
    "floor": ("round_down", "floor_value", "math.floor"),
    "ceil": ("ceiling", "round_up", "math.ceil"),
    "round": ("rounded", "math.round", "round_number", "round_to", "round_digits", "round_places"),
    "power": ("pow", "**", "math.pow", "exponentiate", "raise_to_power", "to_the_power"),
    "sqrt": ("square_root", "math.sqrt", "squareroot"),
    "random": ("rand", "rnd", "math.random", "random_float", "random_number", "randf"),
    # --- comparison and logic ---
    "gt": (">", "greater", "greater_than", "is_greater", "is_greater_than", "gt?"),
    "lt": ("<", "less", "less_than", "is_less", "is_less_than", "lt?"),
    "eq": ("==", "===", "=", "equals", "equal", "equal?", "eq?", "is_equal", "eql", "same_as"),
    "gte": (">=", "ge", "greater_equal", "greater_or_equal", "greater_than_or_equal", "at_least"),
    "lte": ("<=", "le", "less_equal", "less_or_equal", "less_than_or_equal", "at_most"),
    "not": ("!", "logical_not", "lnot", "not_op"),
    "and": _variadic("&&", "logical_and", "land", "and_op", "both"),
    "or": _variadic("||", "logical_or", "lor", "or_op", "either"),
    # --- strings ---
    "concat": (
        "concatenate",
        "strcat",
        "str_concat",
        "string_concat",
        "concat_strings",
        "concat_str",
        "concat_string",
    ),
    "length": ("len", "size", "count", "strlen", "str_len", "length_of", "len_of", "get_length"),
    "to_str": (
        "str",
        Syn("string", inputs="1"),
        "toString",
        "to_string",
        "as_string",
        "tostring",
        "stringify_value",
    ),
    "to_num": (
        Syn("number", inputs="1"),
        Syn("num", inputs="1"),
        Syn("float", inputs="1"),
        "parseFloat",
        "parseInt",
        "parse_number",
        "to_number",
        "to_float",
        "toNumber",
        "atof",
        "atoi",
        "str_to_num",
        "num_from_str",
        "Number",
        Syn("int", inputs="1"),
        Syn("to_int", inputs="1"),
        Syn("integer", inputs="1"),
    ),
    "format": (
        "sprintf",
        "format_string",
        "string_format",
        "str_format",
        "fmt",
        "template",
        "fstring",
        "f_string",
    ),
    "upper": (
        "toUpperCase",
        "to_upper",
        "uppercase",
        "upcase",
        "toupper",
        "ucase",
        "upper_case",
        "str_upper",
    ),
    "lower": (
        "toLowerCase",
        "to_lower",
        "lowercase",
        "downcase",
        "tolower",
        "lcase",
        "lower_case",
        "str_lower",
    ),
    "trim": ("strip", "trim_whitespace", "str_trim", "strip_whitespace"),
    "replace": ("replace_all", "replaceAll", "str_replace", "substitute", "string_replace"),
    "starts_with": ("begins_with", "has_prefix", "hasPrefix", "str_starts_with"),
    "ends_with": ("has_suffix", "hasSuffix", "str_ends_with"),
    "contains": (
        "includes",
        "has_substring",
        "str_contains",
        "string_contains",
        Syn("has", inputs="2"),
        Syn("in", rename=False, note=_IN_NOTE),
        Syn("member", rename=False, note=_IN_NOTE),
        Syn("elem", rename=False, note=_IN_NOTE),
    ),
    # --- sequences ---
    # A list or dict literal with a `value` and no inputs is a `const`: `sequence` and `dict`
    # would silently ignore the value, so their words need at least one input (pair).
    "sequence": tuple(
        Syn(w, inputs="1+")
        for w in ("list", "array", "tuple", "vector", "vec", "make_list", "list_of", "array_of")
    ),
    "index": (
        "at",
        "nth",
        "element_at",
        "item_at",
        "getitem",
        "get_item",
        "elt",
        "subscript",
        *(Syn(w, inputs="1", rename=False, note=_FIRST_NOTE) for w in ("first", "head")),
        *(Syn(w, inputs="1", rename=False, note=_LAST_NOTE) for w in ("last",)),
    ),
    "range": ("arange", "xrange", "range_list", "iota_range", Syn("seq", inputs="2-3")),
    # --- control and errors ---
    "select": (
        "if",
        "ternary",
        "cond",
        "iif",
        "if_else",
        "ifelse",
        "if_then_else",
        "conditional",
        "?:",
        Syn("where", inputs="3"),
        "choose_if",
    ),
    "try_or": (
        Syn("try", inputs="2"),
        "iferror",
        "unwrap_or",
        "or_else",
        "on_error",
        "fallback",
        "rescue",
        "with_default",
        "default_on_error",
        Syn("default", inputs="2"),
        "or_default",
        "try_default",
        "try_or_default",
        "try_catch_default",
        "default_on_fail",
    ),
    "is_error": ("is_err", "iserr", "failed", "is_failure", "error?"),
    "try_catch": (Syn("try", inputs="1"), "try_except", "catch", "attempt", "to_result"),
    "comment": ("note", "annotate", "annotation", "remark", "identity", "noop", "nop", "pass"),
    "assert": ("assert_that", "assertion", "assert_true"),
    # --- collections ---
    "split": ("str_split", "split_string", "string_split", "strsplit"),
    "slice": ("substring", "sub_string", "sublist", "subarray", "subseq", "slice_list"),
    "dict": tuple(
        Syn(w, inputs="2+ even")
        for w in (
            "object",
            "dictionary",
            "make_dict",
            "hashmap",
            "hash_map",
            "record",
            "struct",
            "make_object",
            "new_object",
            "object_of",
        )
    ),
    "get": (
        "lookup",
        "dict_get",
        "get_key",
        "get_value",
        "get_field",
        "getattr",
        "get_attr",
        "get_prop",
        "prop",
        Syn("getitem", inputs="2"),
        Syn("get_item", inputs="2"),
    ),
    "keys": ("object_keys", "Object.keys", "dict_keys", "get_keys", "key_list", "keys_of"),
    "values": ("object_values", "Object.values", "dict_values", "get_values", "vals"),
    "set": (
        "put",
        "assoc",
        "set_key",
        "dict_set",
        "setitem",
        "set_item",
        "set_field",
        "setattr",
        Syn("update", inputs="3"),
        "with_key",
    ),
    "delete_key": (
        "delete",
        "del",
        "remove_key",
        "dissoc",
        "unset",
        "omit",
        "del_key",
        "dict_delete",
        "drop_key",
    ),
    "items": ("entries", "object_entries", "Object.entries", "dict_items", "to_pairs", "pairs"),
    "has_key": (
        "hasOwnProperty",
        "has_own",
        "hasattr",
        "contains_key",
        "key_exists",
        "has_field",
        "has_property",
        Syn("has", inputs="2"),
    ),
    "sort": ("sorted", "order_by", "orderBy", "sort_list", "asort"),
    "reverse": ("reversed", "rev", "reverse_list", "reverse_string"),
    "merge": (
        Syn("update", inputs="2"),
        "Object.assign",
        "merge_dicts",
        "dict_merge",
        "merge_objects",
        "union_dicts",
    ),
    "zip": ("zip_lists", "zip_arrays", "zipped"),
    "flatten": ("flat", "flatten_list", "flat_list", "concat_lists", "join_lists"),
    "unique": ("distinct", "uniq", "dedupe", "dedup", "deduplicate", "nub", "unique_values"),
    "take": ("limit", Syn("head", inputs="2"), Syn("first", inputs="2"), "take_first"),
    "drop": ("skip", "offset", "drop_first"),
    "enumerate": ("with_index", "indexed", "each_with_index", "zip_with_index", "enum"),
    "type_of": ("type", "get_type", "typename", "type_name", "kind_of"),
    "delay": ("sleep", "wait", "pause", "time.sleep", "wait_seconds"),
    # --- functions ---
    "subgraph_def": (
        "function",
        "func",
        "fn",
        "lambda",
        "def",
        "define_function",
        "function_ref",
        "func_ref",
        "make_func",
        Syn("subgraph", inputs="0"),
    ),
    "subgraph_call": (
        "call_subgraph",
        "subgraph_invoke",
        "invoke_subgraph",
        "run_subgraph",
        Syn("call", note=_CALL_NOTE),
        Syn("invoke", note=_CALL_NOTE),
    ),
    "input_port": (
        Syn("input", where="subgraph"),
        Syn("arg", where="subgraph"),
        Syn("argument", where="subgraph"),
        Syn("parameter", where="subgraph"),
        "in_port",
        "inport",
        "port_in",
    ),
    "output_port": (
        Syn("output", where="subgraph"),
        Syn("return", where="subgraph"),
        "out_port",
        "outport",
        "port_out",
        "result_port",
    ),
    "map": ("collect", "map_list", "mapcar", "fmap", "transform", "map_each", "apply_each"),
    "filter": ("keep", "keep_if", "select_if", "find_all", "filter_list", Syn("where", inputs="1")),
    "reduce": ("fold", "foldl", "fold_left", "accumulate", "inject", "aggregate", "reduce_list"),
    "iterate": (
        "loop",
        "loop_until",
        "repeat_until",
        "iterate_until",
        "fixpoint",
    ),
    "retry": ("retry_on_error", "with_retries", "with_retry", "retries", "retrying", "try_again"),
    "compose": ("pipe", "and_then", "then", "compose_functions"),
    "apply": (
        "funcall",
        "apply_func",
        "apply_function",
        "call_func",
        Syn("call", note=_CALL_NOTE),
        Syn("invoke", note=_CALL_NOTE),
    ),
    "match": ("pattern_match", "match_case", "match_with", "case_of"),
    # --- I/O ---
    "read_file": (
        "open",
        Syn("read", inputs="1"),
        "read_text",
        "file_read",
        "fs.readFileSync",
        "load",
        "load_file",
        "slurp",
        "file_get_contents",
        "open_file",
    ),
    "write_file": (
        Syn("write", inputs="2"),
        "save",
        "save_file",
        "file_write",
        "fs.writeFileSync",
        "file_put_contents",
        "write_text",
        "spit",
    ),
    "read_stdin": (
        Syn("input", where="main"),
        Syn("read", inputs="0"),
        "readline",
        "read_line",
        "stdin",
        "read_input",
        "get_input",
        "gets",
        "prompt",
        "scanf",
        "input_line",
    ),
    "http_get": (
        Syn("fetch", inputs="1"),
        Syn("get", inputs="1"),  # `GET` (HTTP); `get` itself is the dict op
        "requests.get",
        "http",
        "get_url",
        "fetch_url",
        "http_fetch",
        "curl",
        "wget",
        "urlopen",
        "download",
        "web_get",
    ),
    "http_post": ("post", "requests.post", "post_url", "http_send", "web_post"),
    "http_request": ("request", "requests.request", "http_call", "send_request"),
    # --- GUI ---
    "gui_window": ("window", "create_window", "make_window", "new_window", "app_window"),
    "gui_widget": (
        "widget",
        "create_widget",
        "make_widget",
        *_widget("label"),
        *_widget("button"),
        *_widget("text_input", "textbox", "text_box", "text_field", "entry"),
        *_widget("checkbox", "check_box"),
        *_widget("dropdown", "combobox", "combo_box"),
        *_widget("slider"),
        *_widget("vbox", "column"),
        *_widget("hbox", "row"),
        *_widget("grid"),
        *_widget("frame", "panel"),
    ),
    "gui_canvas": ("canvas", "create_canvas", "make_canvas", "drawing_area"),
    "gui_draw": (
        "draw",
        "draw_shape",
        *_shape("rect", "rectangle", "draw_rect"),
        *_shape("oval", "ellipse", "circle", "draw_oval"),
        *_shape("polygon", "draw_polygon"),
        *_shape("line", "draw_line"),
    ),
    "gui_state": ("state", "use_state", "useState", "signal", "reactive", "state_var"),
    "gui_render": (
        "render",
        "mainloop",
        "main_loop",
        "run_app",
        "show_window",
        "render_window",
        "run_gui",
    ),
    # --- meta-programming ---
    "emit_node": ("make_node", "create_node", "new_node", "node"),
    "build_subgraph": (
        "make_subgraph",
        "create_subgraph",
        "make_function",
        "create_function",
        "build_function",
        "build_func",
    ),
    "quote": ("code_of", "source_of", "get_code", "to_ast", "func_to_dict"),
    "reflect": ("introspect", "self", "this_program", "program_info", "inspect_program"),
    "eval": ("exec", "evaluate", "execute", "run_program", "eval_program", "exec_program"),
}

# Foreign names with no Lexis equivalent, or near a Lexis name with another meaning: never fixed.
REFUSED: dict[str, str] = {
    "ne": "Lexis has no `ne`: use `not` of `eq`",
    "neq": "Lexis has no `neq`: use `not` of `eq`",
    "!=": "Lexis has no `!=`: use `not` of `eq`",
    "!==": "Lexis has no `!==`: use `not` of `eq`",
    "<>": "Lexis has no `<>`: use `not` of `eq`",
    "not_equal": "Lexis has no not-equal op: use `not` of `eq`",
    "not_equals": "Lexis has no not-equal op: use `not` of `eq`",
    "join": "Lexis has no `join`: `concat` has no separator; use `format`, or `reduce` over the list",
    "str_join": "Lexis has no `join`: `concat` has no separator; use `format`, or `reduce`",
    "concat_ws": "Lexis has no concat with a separator: use `format`",
    "implode": "Lexis has no `join`: `concat` has no separator; use `format`, or `reduce`",
    "xor": "Lexis has no `xor`: combine `and`, `or` and `not`",
    "log": "Lexis has no logarithm, and `print` writes output",
    "exp": "Lexis has no `exp`: use `power` with the constant e",
    "floordiv": "Lexis has no integer division: `floor` of `div`",
    "floor_div": "Lexis has no integer division: `floor` of `div`",
    "//": "Lexis has no integer division: `floor` of `div`",
    "idiv": "Lexis has no integer division: `floor` of `div`",
    "rem": "`mod` takes the sign of the divisor; a remainder takes the dividend's",
    "remainder": "`mod` takes the sign of the divisor; a remainder takes the dividend's",
    "fmod": "`mod` takes the sign of the divisor; `fmod` takes the dividend's",
    "trunc": "Lexis has no truncation: `floor` rounds down, also for negative numbers",
    "truncate": "Lexis has no truncation: `floor` rounds down, also for negative numbers",
    "substr": "`substr(start, length)` counts a length; `slice(s, start, end)` takes an end",
    "index_of": "Lexis has no index-of; `index` reads the element at a position",
    "find": "Lexis has no find: use `filter`, or `contains` for a yes/no",
    "append": "Lexis has no append: `concat` makes text; a list is `sequence` or `flatten`",
    "push": "Lexis has no push: a list is `sequence` or `flatten`",
    "remove": "`delete_key` removes a dict key; Lexis has no list removal (use `filter`)",
    "reject": "`filter` keeps what the subgraph accepts: negate the test",
    "remove_if": "`filter` keeps what the subgraph accepts: negate the test",
    "foldr": "`reduce` folds from the left",
    "fold_right": "`reduce` folds from the left",
    "reduce_right": "`reduce` folds from the left",
    "comp": "Clojure's `comp` applies right to left; Lexis `compose(f, g)` is x -> g(f(x))",
    "capitalize": "Lexis has no capitalize; `upper` upper-cases the whole string",
    "ltrim": "`trim` strips both ends",
    "rtrim": "`trim` strips both ends",
    "lstrip": "`trim` strips both ends",
    "rstrip": "`trim` strips both ends",
    "chomp": "`trim` strips all surrounding whitespace, not only the newline",
    "sort_desc": "`sort` is ascending: `reverse` after it",
    "sort_by": "`sort` takes no key",
    "stringify": "`to_str` leaves strings unquoted, unlike JSON.stringify",
    "json_stringify": "`to_str` leaves strings unquoted, unlike JSON.stringify",
    "printf": "`format` fills a template; `print` writes a line",
    "for": "loop over a list with `map` (or `reduce`); repeat with `iterate`",
    "foreach": "loop over a list with `map` (or `reduce`)",
    "for_each": "loop over a list with `map` (or `reduce`)",
    "each": "loop over a list with `map` (or `reduce`)",
    "show": "`print` writes a value; `gui_render` shows a window",
    "tail": "Lexis has no tail: `drop` with 1",
    "sum_list": _SUM_NOTE,
    "reduce_sum": _SUM_NOTE,
}

# Words that stand for an op but need more than a rename, with the count they apply to.
_RESTRUCTURE: dict[str, tuple[Entry, ...]] = {
    "reduce": (
        Syn("sum", inputs="1", rename=False, note=_SUM_NOTE),
        Syn("product", inputs="1", rename=False, note=_PRODUCT_NOTE),
        Syn("prod", inputs="1", rename=False, note=_PRODUCT_NOTE),
    ),
    "floor": (
        Syn("int", inputs="1", rename=False, note="`int` truncates a number but parses a string"),
        Syn(
            "to_int", inputs="1", rename=False, note="`int` truncates a number but parses a string"
        ),
        Syn(
            "integer", inputs="1", rename=False, note="`int` truncates a number but parses a string"
        ),
    ),
}
for _op, _extra in _RESTRUCTURE.items():
    OPS[_op] = OPS[_op] + _extra

# stdlib subgraph (without ``std:``) -> the names other languages give the function.
STD: dict[str, tuple[Entry, ...]] = {
    "always_true": ("true", "const_true", "constantly_true", "always", "tautology"),
    "always_false": ("false", "const_false", "constantly_false", "never", "contradiction"),
    "is_num": ("is_number", "isNumber", "is_numeric", "isnumeric", "number?", "numeric?"),
    "is_str": ("is_string", "isString", "string?", "is_text", "istext"),
    "is_bool": ("is_boolean", "isBoolean", "boolean?", "is_logical", "islogical"),
    "is_dict": ("is_object", "isObject", "is_map", "is_dictionary", "dict?", "map?", "is_hash"),
    "is_seq": ("is_list", "isList", "is_array", "isArray", "list?", "is_sequence", "seq?"),
    "is_error": ("is_err", "error?", "failed", "is_failure"),
    "double": ("twice", "times_two", "times2", "mul2", "double_it", "x2", "dbl"),
    "negate": ("neg", "negative_of", "opposite", "unary_minus", "flip_sign"),
    "identity": ("id", "identity_fn", "noop", "pass_through", "passthrough"),
    "to_str": ("str", "toString", "to_string", "string", "as_string", "tostring"),
    "to_num": ("to_number", "toNumber", "number", "parse_number", "parseFloat", "float", "num"),
    "get_length": ("length", "len", "size", "count", "length_of", "strlen"),
    "get_first": ("first", "head", "car", "first_element", "head_of"),
    "get_last": ("last", "last_element", "last_of"),
    "is_positive": ("positive", "positive?", "is_pos", "pos?", "gt_zero", "greater_than_zero"),
    "is_negative": ("negative?", "is_neg", "neg?", "lt_zero", "less_than_zero"),
    "is_zero": ("zero?", "eq_zero", "equals_zero"),
    "is_empty": ("empty", "empty?", "is_blank", "null?"),
    "abs": ("absolute", "absolute_value", "abs_value", "fabs", "math.abs", "magnitude"),
    "square": ("sqr", "squared", "square_it", "pow2", "x_squared"),
    "increment": (
        "inc",
        "incr",
        "succ",
        "add1",
        "add_one",
        "plus_one",
    ),
    "decrement": ("dec", "decr", "pred", "sub1", "subtract_one", "minus_one"),
    "not_op": ("not", "logical_not", "negation", "lnot", "!"),
    "add": ("sum", "plus", "+", "addition", "add_numbers"),
    "mul": ("multiply", "times", "product", "*", "mult", "prod"),
    "sub": ("subtract", "minus", "-", "difference_of", "subtraction"),
    "min": ("minimum", "min_of", "least"),
    "max": ("maximum", "max_of", "greatest"),
    "concat": ("concatenate", "str_concat", "string_concat", "strcat", "append_str"),
    "and_op": ("and", "logical_and", "&&", "both", "land"),
}

# capability -> the names programs give it (any case; compared after normalisation).
CAPS: dict[str, tuple[str, ...]] = {
    "PURE_COMPUTE": (
        "COMPUTE",
        "PURE",
        "PURE_COMPUTATION",
        "COMPUTATION",
        "CPU",
        "MATH",
        "PURE_FUNCTIONS",
        "PURE_CALC",
        "CALCULATE",
    ),
    "IO_STDOUT": (
        "STDOUT",
        "STD_OUT",
        "PRINT",
        "IO_PRINT",
        "PRINTING",
        "OUTPUT",
        "IO_OUTPUT",
        "IO_OUT",
        "CONSOLE_OUTPUT",
        "CONSOLE_OUT",
        "WRITE_STDOUT",
        "STDOUT_WRITE",
        "CONSOLE",
        "IO",
        "CONSOLE_IO",
        "STDIO",
        "TERMINAL",
    ),
    "IO_STDIN": (
        "STDIN",
        "STD_IN",
        "INPUT",
        "IO_INPUT",
        "IO_IN",
        "READ_STDIN",
        "STDIN_READ",
        "CONSOLE_INPUT",
        "CONSOLE_IN",
        "KEYBOARD",
        "USER_INPUT",
        "CONSOLE",
        "IO",
        "CONSOLE_IO",
        "STDIO",
        "TERMINAL",
    ),
    "FS_READ": (
        "FILE_READ",
        "READ_FILE",
        "READ_FILES",
        "FILES_READ",
        "FS_READ_FILE",
        "FILESYSTEM_READ",
        "FILE_SYSTEM_READ",
        "DISK_READ",
        "FILE_INPUT",
        "FS",
        "FILESYSTEM",
        "FILE_SYSTEM",
        "FILE",
        "FILES",
        "FILE_IO",
        "FS_IO",
        "DISK",
    ),
    "FS_WRITE": (
        "FILE_WRITE",
        "WRITE_FILE",
        "WRITE_FILES",
        "FILES_WRITE",
        "FS_WRITE_FILE",
        "FILESYSTEM_WRITE",
        "FILE_SYSTEM_WRITE",
        "DISK_WRITE",
        "FILE_OUTPUT",
        "FS",
        "FILESYSTEM",
        "FILE_SYSTEM",
        "FILE",
        "FILES",
        "FILE_IO",
        "FS_IO",
        "DISK",
    ),
    "NETWORK_OUT": (
        "NETWORK",
        "NET",
        "NET_OUT",
        "HTTP",
        "HTTPS",
        "HTTP_CLIENT",
        "HTTP_OUT",
        "HTTP_GET",
        "HTTP_REQUEST",
        "INTERNET",
        "WEB",
        "FETCH",
        "NETWORK_ACCESS",
        "NETWORK_OUTBOUND",
        "OUTBOUND_NETWORK",
        "NETWORK_CLIENT",
        "REQUESTS",
    ),
    "GUI_RENDER": (
        "GUI",
        "UI",
        "GUI_WINDOW",
        "WINDOW",
        "WINDOWS",
        "RENDER",
        "GRAPHICS",
        "DISPLAY_GUI",
        "GUI_DISPLAY",
        "TKINTER",
    ),
    "META_EVAL": (
        "EVAL",
        "META",
        "EXEC",
        "CODE_EVAL",
        "EVAL_CODE",
        "EVALUATE",
        "META_PROGRAMMING",
        "METAPROGRAMMING",
        "DYNAMIC_CODE",
        "CODE_EXECUTION",
    ),
}
