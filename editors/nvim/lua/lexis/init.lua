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
    on_attach = cfg.on_attach,
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

--- The lines :LexisRun shows for a `lexis.run` result.
function M.run_report(result)
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
    table.insert(lines, string.format("-- finished in %.1f ms --", result.durationMs or 0))
  end
  return lines
end

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
--- Calls `callback(err, result)`; without a callback the output is shown in a scratch split.
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
  request(client, "workspace/executeCommand", { command = "lexis.run", arguments = arguments }, function(err, result)
    if callback then
      callback(err, result)
      return
    end
    if err then
      show_scratch(RUN_BUFFER, { name .. ": lexis.run failed: " .. (err.message or vim.inspect(err)) })
      return
    end
    show_scratch(RUN_BUFFER, M.run_report(result))
  end, bufnr)
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
