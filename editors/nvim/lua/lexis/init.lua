-- Lexis support for Neovim's built-in LSP client.
--
--   require("lexis").setup({
--     cmd = { "lexis-ls" },      -- the language server (stdio)
--     format_on_save = true,     -- textDocument/formatting before every write
--     fix_on_save = true,        -- apply the `source.fixAll` code action before every write
--     settings = { lexis = { run = { timeout = 10 } } },
--   })
--
-- Works with Neovim 0.8+ (vim.lsp.start, vim.lsp.buf.format) and degrades to the 0.7 API
-- (vim.lsp.start_client + vim.lsp.buf_attach_client, synchronous formatting requests).

local M = {}

local NAME = "lexis"
local FIX_ALL = "source.fixAll"
local RUN_BUFFER = "lexis://run"
local EXPLAIN_BUFFER = "lexis://explain"

local has08 = vim.fn.has("nvim-0.8") == 1
local has011 = vim.fn.has("nvim-0.11") == 1

local defaults = {
  cmd = { "lexis-ls" },
  format_on_save = true,
  fix_on_save = true,
  -- Sent as `workspace/configuration` answers (section `lexis`) and didChangeConfiguration.
  settings = { lexis = {} },
  init_options = nil,
  -- Files or folders that mark the workspace root (searched upward from the file).
  root_markers = { ".git", "pyproject.toml", "lexis.toml" },
  -- Milliseconds to wait for the server's answer to the synchronous requests made on save.
  timeout_ms = 3000,
  on_attach = nil,
  capabilities = nil,
  -- The `lexis` command line (for :LexisGraph); nil: found beside `cmd` (see M.cli_cmd).
  cli_cmd = nil,
  -- Opens a file in the browser (for :LexisGraph); nil: vim.ui.open on 0.10+, else
  -- xdg-open (or `open` on macOS).
  open = nil,
}

M.config = vim.deepcopy(defaults)

-- 0.7 clients whose server was started here, by root folder (vim.lsp.start does this on 0.8+).
local clients_by_root = {}

local function notify(msg, level)
  vim.notify("lexis: " .. msg, level or vim.log.levels.INFO)
end

-- Client methods are called with `:` from 0.11 on (the `.` form is deprecated there).
local function request_sync(client, method, params, timeout_ms, bufnr)
  if has011 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

local function request(client, method, params, handler, bufnr)
  if has011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function resolve_buf(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
end

--- The Lexis client attached to a buffer, or nil.
function M.client(bufnr)
  bufnr = resolve_buf(bufnr)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1]
  end
  if has08 then
    return vim.lsp.get_active_clients({ bufnr = bufnr, name = NAME })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == NAME then
      return client
    end
  end
  return nil
end

local function root_dir(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local start = file ~= "" and vim.fn.fnamemodify(file, ":p:h") or vim.fn.getcwd()
  local dir = start
  while true do
    for _, marker in ipairs(M.config.root_markers or {}) do
      if (vim.uv or vim.loop).fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function client_config(bufnr)
  local cfg = M.config
  local capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities()
  local root = root_dir(bufnr)
  return {
    name = NAME,
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = cfg.settings,
    init_options = cfg.init_options,
    capabilities = capabilities,
    on_attach = function(client, bufnr)
      -- Completion with <C-x><C-o> everywhere: 0.10+ sets vim.lsp.omnifunc itself; before
      -- 0.10 nothing is set, and vim.lsp.omnifunc drops items whose edit starts before the
      -- word (a quoted opcode: `"pri|` completes to `"print"`), so use the module's.
      if vim.fn.has("nvim-0.10") == 0 and vim.bo[bufnr].omnifunc == "" then
        vim.bo[bufnr].omnifunc = "v:lua.require'lexis'.omnifunc"
      end
      if cfg.on_attach then
        cfg.on_attach(client, bufnr)
      end
    end,
    -- Analysis is debounced by the server too; send edits promptly.
    flags = { debounce_text_changes = 50 },
  }
end

--- Starts (or reuses) the language server for this buffer and attaches it.
function M.attach(bufnr)
  bufnr = resolve_buf(bufnr)
  if M.client(bufnr) then
    return M.client(bufnr).id
  end
  local config = client_config(bufnr)
  if vim.lsp.start then -- 0.8+: reuses a client with the same name and root
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[config.root_dir]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(config)
    if id == nil then
      notify("could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function whole_buffer_range(bufnr)
  local last = vim.api.nvim_buf_line_count(bufnr)
  return { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } }
end

local function apply_action(client, action, bufnr)
  if action.edit == nil and action.data ~= nil then
    local resolved = request_sync(client, "codeAction/resolve", action, M.config.timeout_ms, bufnr)
    if resolved == nil or resolved.err then
      local why = resolved and resolved.err and resolved.err.message or "timeout"
      notify("could not resolve “" .. action.title .. "”: " .. why, vim.log.levels.WARN)
      return false
    end
    action = resolved.result or action
  end
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  local command = action.command
  if type(command) == "table" then
    request_sync(client, "workspace/executeCommand", command, M.config.timeout_ms, bufnr)
  end
  return action.edit ~= nil or command ~= nil
end

-- The byte offset of an LSP character offset in `line`.
local function byteindex(line, character, encoding)
  if vim.lsp.util._str_byteindex_enc then -- up to 0.10
    return vim.lsp.util._str_byteindex_enc(line, character, encoding)
  end
  return vim.str_byteindex(line, encoding, character, false)
end

-- Completion items of the last omnifunc start call (findstart = 1).
local omni_result = nil

--- 'omnifunc' for Lexis buffers (set by the module on attach when none is set): a
--- synchronous textDocument/completion whose items replace from the start of their text edit
--- (the opening quote of a string), not from the start of the keyword.
function M.omnifunc(findstart, base)
  local bufnr = vim.api.nvim_get_current_buf()
  if findstart == 1 then
    omni_result = nil
    local client = M.client(bufnr)
    if client == nil then
      return -3 -- cancel silently, leave completion mode
    end
    local cursor = vim.api.nvim_win_get_cursor(0)
    local line = vim.api.nvim_get_current_line()
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    local response = request_sync(client, "textDocument/completion", params, M.config.timeout_ms, bufnr)
    if response == nil or response.err or response.result == nil then
      return -3
    end
    omni_result = response.result
    local start = nil
    for _, item in ipairs(vim.lsp.util.extract_completion_items(response.result)) do
      local edit = item.textEdit
      local range = edit and (edit.range or edit.replace)
      if range and range.start.line == cursor[1] - 1 then
        local col = byteindex(line, range.start.character, client.offset_encoding)
        start = start and math.min(start, col) or col
      end
    end
    if start == nil then
      start = vim.fn.match(line:sub(1, cursor[2]), "\\k*$")
    end
    return start
  end
  if omni_result == nil then
    return {}
  end
  local items = vim.lsp.util.text_document_completion_list_to_complete_items(omni_result, base)
  omni_result = nil
  return items
end

--- Applies the server's `source.fixAll` code action to the buffer, synchronously.
--- Returns the number of actions applied.
function M.fix_all(bufnr)
  bufnr = resolve_buf(bufnr)
  local client = M.client(bufnr)
  if client == nil then
    return 0
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = whole_buffer_range(bufnr),
    context = { diagnostics = {}, only = { FIX_ALL } },
  }
  local response = request_sync(client, "textDocument/codeAction", params, M.config.timeout_ms, bufnr)
  if response == nil or response.err then
    local why = response and response.err and response.err.message or "timeout"
    notify("fix-all failed: " .. why, vim.log.levels.WARN)
    return 0
  end
  local applied = 0
  for _, action in ipairs(response.result or {}) do
    local kind = action.kind or ""
    if (kind == FIX_ALL or vim.startswith(kind, FIX_ALL .. ".")) and not action.disabled then
      if apply_action(client, action, bufnr) then
        applied = applied + 1
      end
    end
  end
  return applied
end

--- Formats the buffer with the Lexis server, synchronously.
function M.format(bufnr)
  bufnr = resolve_buf(bufnr)
  local client = M.client(bufnr)
  if client == nil then
    return
  end
  if has08 then
    vim.lsp.buf.format({
      bufnr = bufnr,
      timeout_ms = M.config.timeout_ms,
      filter = function(c)
        return c.name == NAME
      end,
    })
    return
  end
  -- 0.7: what vim.lsp.buf.formatting_sync does, for the Lexis client only.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    options = {
      tabSize = 2,
      insertSpaces = true,
      trimTrailingWhitespace = true,
      insertFinalNewline = true,
    },
  }
  local response = request_sync(client, "textDocument/formatting", params, M.config.timeout_ms, bufnr)
  if response and response.result then
    vim.lsp.util.apply_text_edits(response.result, bufnr, client.offset_encoding)
  elseif response and response.err then
    notify("formatting failed: " .. response.err.message, vim.log.levels.WARN)
  end
end

--- What happens before a write: fix-all, then formatting (as configured).
function M.on_save(bufnr)
  bufnr = resolve_buf(bufnr)
  if M.config.fix_on_save then
    M.fix_all(bufnr)
  end
  if M.config.format_on_save then
    M.format(bufnr)
  end
end

-- `NAME=VALUE` words of :LexisRun into run parameters (the program reads them as strings).
local function parse_run_args(fargs)
  local params = {}
  for _, word in ipairs(fargs or {}) do
    local name, value = word:match("^([^=]+)=(.*)$")
    if name == nil then
      return nil, "expected NAME=VALUE, got " .. word
    end
    params[name] = value
  end
  return params
end

local function split_lines(text)
  local lines = vim.split(text or "", "\n", { plain = true })
  if lines[#lines] == "" then
    table.remove(lines)
  end
  return lines
end

--- The lines :LexisRun shows for a `lexis.run` result. `wall_ms`: the time from the request to
--- its answer, as the user waited for it (the result's `durationMs` is the interpreter's alone).
function M.run_report(result, wall_ms)
  local lines = split_lines(result.stdout)
  local errors = result.errors or {}
  if #errors > 0 then
    table.insert(lines, "")
    table.insert(lines, string.format("-- %d error value%s --", #errors, #errors == 1 and "" or "s"))
    for _, e in ipairs(errors) do
      for _, line in ipairs(split_lines(e.node .. ": " .. e.message)) do
        table.insert(lines, line)
      end
    end
  end
  table.insert(lines, "")
  if result.status and result.status ~= "ok" then
    table.insert(lines, string.format("-- %s: %s --", result.status, result.reason or ""))
  else
    table.insert(lines, M.timing(wall_ms, result.durationMs))
  end
  return lines
end

--- "-- finished in 212 ms (the program itself: 0.4 ms) --": the wall time first.
function M.timing(wall_ms, interpreter_ms)
  local program = string.format("%.1f ms", interpreter_ms or 0)
  if wall_ms == nil then
    return string.format("-- finished (the program itself: %s) --", program)
  end
  return string.format("-- finished in %d ms (the program itself: %s) --", math.floor(wall_ms + 0.5), program)
end

local hrtime = (vim.uv or vim.loop).hrtime

-- A scratch buffer named `bufname` showing `lines`: reused, in a split below.
local function show_scratch(bufname, lines, filetype)
  local buf = vim.fn.bufnr(bufname)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, bufname)
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].bufhidden = "hide"
    vim.bo[buf].swapfile = false
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  if filetype then
    vim.bo[buf].filetype = filetype
  end
  if vim.fn.bufwinid(buf) == -1 then
    local here = vim.api.nvim_get_current_win()
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, buf)
    vim.api.nvim_win_set_height(0, math.max(3, math.min(#lines, 15)))
    vim.api.nvim_set_current_win(here)
  end
  return buf
end

--- Runs the buffer's program with `lexis.run`. `opts` = {params = {...}, stdin = "..."}.
--- Calls `callback(err, result, wall_ms)`; without a callback the output is shown in a scratch split.
function M.run(bufnr, opts, callback)
  bufnr = resolve_buf(bufnr)
  local client = M.client(bufnr)
  if client == nil then
    notify("no Lexis language server for this buffer", vim.log.levels.ERROR)
    return
  end
  local arguments = { vim.uri_from_bufnr(bufnr) }
  if opts and (opts.params and next(opts.params) or opts.stdin) then
    table.insert(arguments, { params = opts.params or vim.empty_dict(), stdin = opts.stdin })
  end
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":t")
  local started = hrtime()
  request(client, "workspace/executeCommand", { command = "lexis.run", arguments = arguments }, function(err, result)
    local wall_ms = (hrtime() - started) / 1e6
    if callback then
      callback(err, result, wall_ms)
      return
    end
    if err then
      show_scratch(RUN_BUFFER, { name .. ": lexis.run failed: " .. (err.message or vim.inspect(err)) })
      return
    end
    show_scratch(RUN_BUFFER, M.run_report(result, wall_ms))
  end, bufnr)
end

--- The `lexis` command line as a list: `cli_cmd` when set; else the `lexis` script beside a
--- `lexis-ls` server command, `python -m lexis_ls.cli` for a `python -m lexis_ls` one, or
--- `lexis` on PATH.
function M.cli_cmd()
  local cfg = M.config
  if cfg.cli_cmd then
    return vim.deepcopy(cfg.cli_cmd)
  end
  local cmd = type(cfg.cmd) == "table" and cfg.cmd or {}
  if cmd[2] == "-m" and cmd[3] == "lexis_ls" then
    return { cmd[1], "-m", "lexis_ls.cli" }
  end
  if cmd[1] and vim.fn.fnamemodify(cmd[1], ":t") == "lexis-ls" then
    local server = vim.fn.exepath(cmd[1])
    if server ~= "" then
      local beside = vim.fn.fnamemodify(server, ":h") .. "/lexis"
      if vim.fn.executable(beside) == 1 then
        return { beside }
      end
    end
  end
  return { "lexis" }
end

--- Opens `path` with the configured opener: vim.ui.open on 0.10+, else xdg-open / open.
function M.open(path)
  if M.config.open then
    return M.config.open(path)
  end
  if vim.ui and vim.ui.open then
    local _, problem = vim.ui.open(path)
    if problem then
      notify(problem, vim.log.levels.ERROR)
    end
    return
  end
  local opener = vim.fn.has("mac") == 1 and "open" or "xdg-open"
  if vim.fn.executable(opener) ~= 1 then
    notify("cannot open " .. path .. ": no " .. opener .. " (the page is written there)", vim.log.levels.ERROR)
    return
  end
  vim.fn.jobstart({ opener, path }, { detach = true })
end

-- The program file `lexis viz` reads: the buffer's file, or (when the buffer has unsaved
-- changes or no file) a copy of its text in a temporary folder, under the same name.
local function graph_source(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  if file ~= "" and not vim.bo[bufnr].modified and vim.fn.filereadable(file) == 1 then
    return file
  end
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  local name = file ~= "" and vim.fn.fnamemodify(file, ":t") or "buffer.lexis.json"
  local copy = dir .. "/" .. name
  vim.fn.writefile(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), copy)
  return copy
end

--- Writes the graph page of the buffer's program with `lexis viz FILE --output OUT.html`
--- (one self-contained HTML file) and opens it in the browser. Calls `callback(err, html_path)`
--- when given (then nothing is opened). Returns the job id.
function M.graph(bufnr, callback)
  bufnr = resolve_buf(bufnr)
  local source = graph_source(bufnr)
  local html = vim.b[bufnr].lexis_graph_html
  if type(html) ~= "string" or html == "" then
    html = vim.fn.tempname() .. "-" .. vim.fn.fnamemodify(source, ":t:r:r") .. ".html"
    vim.b[bufnr].lexis_graph_html = html
  end
  local args = M.cli_cmd()
  vim.list_extend(args, { "viz", source, "--output", html })
  -- The page shows the diagnostics the editor shows: the same trust ceiling.
  local lexis_settings = (M.config.settings or {}).lexis or {}
  if type(lexis_settings.trustCeiling) == "number" then
    vim.list_extend(args, { "--trust-ceiling", tostring(lexis_settings.trustCeiling) })
  end
  local stderr = {}
  local function collect(_, data)
    for _, line in ipairs(data or {}) do
      if line ~= "" then
        table.insert(stderr, line)
      end
    end
  end
  local job = vim.fn.jobstart(args, {
    on_stdout = collect,
    on_stderr = collect,
    on_exit = function(_, code)
      vim.schedule(function()
        local err = nil
        if code ~= 0 or vim.fn.filereadable(html) ~= 1 then
          err = string.format("`%s` failed (exit %d): %s", table.concat(args, " "), code, table.concat(stderr, "\n"))
        end
        if callback then
          callback(err, html)
        elseif err then
          notify(err, vim.log.levels.ERROR)
        else
          M.open(html)
        end
      end)
    end,
  })
  if job <= 0 then
    local err = "cannot start " .. args[1] .. " (set `cli_cmd` in require('lexis').setup)"
    if callback then
      callback(err, nil)
    else
      notify(err, vim.log.levels.ERROR)
    end
  end
  return job
end

local function command(bufnr, name, arguments, callback)
  local client = M.client(bufnr)
  if client == nil then
    notify("no Lexis language server for this buffer", vim.log.levels.ERROR)
    return
  end
  request(client, "workspace/executeCommand", { command = name, arguments = arguments }, callback, bufnr)
end

local function define_commands()
  local create = vim.api.nvim_create_user_command
  create("LexisRun", function(args)
    local params, problem = parse_run_args(args.fargs)
    if params == nil then
      notify(problem, vim.log.levels.ERROR)
      return
    end
    M.run(0, { params = params })
  end, { nargs = "*", desc = "Run the Lexis program of this buffer (args: NAME=VALUE parameters)" })
  create("LexisFixAll", function()
    local n = M.fix_all(0)
    if n == 0 then
      notify("nothing to fix")
    end
  end, { desc = "Apply every safe Lexis fix (source.fixAll)" })
  create("LexisFormat", function()
    M.format(0)
  end, { desc = "Format this Lexis buffer" })
  create("LexisHash", function()
    command(0, "lexis.hash", { vim.uri_from_bufnr(0) }, function(err, result)
      if err then
        notify(err.message, vim.log.levels.ERROR)
      elseif type(result.program) ~= "string" then
        notify("no program hash while the program has errors")
      else
        notify("program hash " .. result.program)
      end
    end)
  end, { desc = "Show the program hash" })
  create("LexisExplain", function(args)
    command(0, "lexis.explain", { args.args }, function(err, result)
      if err then
        notify(err.message, vim.log.levels.ERROR)
        return
      end
      local text = type(result) == "string" and result or vim.inspect(result)
      show_scratch(EXPLAIN_BUFFER, split_lines(text), "markdown")
    end)
  end, { nargs = 1, desc = "Explain a diagnostic code (e.g. LX2001)" })
  create("LexisGraph", function()
    M.graph(0)
  end, { desc = "Open the graph of this program in the browser (lexis viz)" })
end

local function on_filetype(bufnr)
  M.attach(bufnr)
end

--- Sets everything up: filetype detection, the server on FileType lexis, save hooks, commands.
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if opts and opts.cmd then
    M.config.cmd = opts.cmd -- lists are replaced, not merged
  end
  if opts and opts.root_markers then
    M.config.root_markers = opts.root_markers
  end
  if opts and opts.cli_cmd then
    M.config.cli_cmd = opts.cli_cmd
  end
  M.configured = true

  local group = vim.api.nvim_create_augroup("lexis", { clear = true })
  if has08 and vim.filetype and vim.filetype.add then
    vim.filetype.add({ pattern = { [".*%.lexis%.json"] = NAME } })
  else -- 0.7: vim.filetype.add is only used with g:do_filetype_lua
    vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
      group = group,
      pattern = "*.lexis.json",
      callback = function(args)
        vim.bo[args.buf].filetype = NAME
      end,
    })
  end
  if vim.treesitter and vim.treesitter.language and vim.treesitter.language.register then
    pcall(vim.treesitter.language.register, "json", NAME)
  end
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = NAME,
    callback = function(args)
      on_filetype(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd("BufWritePre", {
    group = group,
    pattern = "*",
    callback = function(args)
      if vim.bo[args.buf].filetype == NAME then
        M.on_save(args.buf)
      end
    end,
  })
  define_commands()

  -- Buffers opened before setup ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      local file = vim.api.nvim_buf_get_name(buf)
      if vim.bo[buf].filetype == NAME then
        on_filetype(buf)
      elseif file:match("%.lexis%.json$") then
        vim.bo[buf].filetype = NAME
      end
    end
  end
end

return M
