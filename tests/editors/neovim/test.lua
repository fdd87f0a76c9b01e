-- Drives Neovim's LSP client (0.7 API and up) through the shipped `lexis` module, headless:
--   nvim --headless -u NONE -c 'luafile tests/editors/neovim/test.lua'
-- Environment: LEXIS_NVIM_PLUGIN (editors/nvim), LEXIS_TEST_WORK (a folder with copies of the
-- fixtures), LEXIS_TEST_RESULT (JSON written here), LEXIS_SERVER_PYTHON (runs `-m lexis_ls`).
-- What the editor showed is written to the result file; tests/editors/test_neovim.py checks it.

local TIMEOUT = 20000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set")
  end
  return value
end

local results = { steps = {} }
local result_file = env("LEXIS_TEST_RESULT")

local function save_results()
  local f = assert(io.open(result_file, "w"))
  f:write(vim.fn.json_encode(results))
  f:close()
end

local function step(name)
  table.insert(results.steps, name)
  save_results()
end

local function wait(ms, predicate, what)
  if not vim.wait(ms, predicate, 50) then
    error("timed out after " .. ms .. " ms waiting for " .. what)
  end
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local function diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      code = d.code,
      source = d.source,
      severity = d.severity,
      message = d.message,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
    })
  end
  table.sort(out, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return a.col < b.col
  end)
  return out
end

local function main()
  local work = env("LEXIS_TEST_WORK")
  vim.cmd("filetype on") -- as any user configuration has it (-u NONE leaves it off)
  vim.opt.runtimepath:prepend(env("LEXIS_NVIM_PLUGIN"))
  local lexis = require("lexis")
  lexis.setup({ cmd = { env("LEXIS_SERVER_PYTHON"), "-m", "lexis_ls" }, timeout_ms = 10000 })
  results.nvim_version = tostring(vim.version().major) .. "." .. vim.version().minor .. "." .. vim.version().patch

  -- 1. Opening a file with problems: the filetype, the server, the diagnostics.
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/problems.lexis.json"))
  local buf = vim.api.nvim_get_current_buf()
  results.filetype = vim.bo[buf].filetype
  wait(TIMEOUT, function()
    local client = lexis.client(buf)
    return client ~= nil and client.initialized
  end, "the lexis client to initialize")
  results.client_name = lexis.client(buf).name
  wait(TIMEOUT, function()
    return #vim.diagnostic.get(buf) > 0
  end, "diagnostics")
  vim.wait(300) -- a later publish would replace them
  results.diagnostics = diagnostics(buf)
  step("diagnostics")

  -- 2. :write runs fix-all and formatting (BufWritePre), then writes.
  vim.cmd("write")
  results.saved_text = read_file(work .. "/problems.lexis.json")
  results.buffer_after_save = buffer_text(buf)
  wait(TIMEOUT, function()
    return #vim.diagnostic.get(buf) == 0
  end, "diagnostics to clear after the fixes")
  results.diagnostics_after_save = diagnostics(buf)
  vim.cmd("write") -- nothing left to fix or format: the text stays as it is
  results.saved_again_text = read_file(work .. "/problems.lexis.json")
  step("save")

  -- 2b. A program as a model writes it (prose, a fence, comments, single quotes, `True`, a
  -- trailing comma): its LX0001 diagnostics, then :write repairs it (fix-all, then formatting).
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/model.lexis.json"))
  local mbuf = vim.api.nvim_get_current_buf()
  results.repair_filetype = vim.bo[mbuf].filetype
  wait(TIMEOUT, function()
    local client = lexis.client(mbuf)
    return client ~= nil and client.initialized
  end, "the client on the model-written buffer")
  wait(TIMEOUT, function()
    return #vim.diagnostic.get(mbuf) > 0
  end, "diagnostics of the model-written program")
  vim.wait(300) -- a later publish would replace them
  results.repair_diagnostics = diagnostics(mbuf)
  vim.cmd("write")
  results.repair_saved_text = read_file(work .. "/model.lexis.json")
  results.repair_buffer_after_save = buffer_text(mbuf)
  wait(TIMEOUT, function()
    return #vim.diagnostic.get(mbuf) == 0
  end, "diagnostics of the model-written program to clear after the save")
  results.repair_diagnostics_after_save = diagnostics(mbuf)
  step("repair")

  -- 3. Renaming a node id from one of its references updates every reference.
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/rename.lexis.json"))
  local rbuf = vim.api.nvim_get_current_buf()
  wait(TIMEOUT, function()
    local client = lexis.client(rbuf)
    return client ~= nil and client.initialized
  end, "the client on the second buffer")
  local before = buffer_text(rbuf)
  local row, col
  for i, line in ipairs(vim.api.nvim_buf_get_lines(rbuf, 0, -1, false)) do
    local at = line:find('"inputs": %["five", "two"%]')
    if at then
      row, col = i, at + #'"inputs": ["' - 1 -- on the `f` of the reference
      break
    end
  end
  assert(row, "no reference to `five` in the rename fixture")
  vim.api.nvim_win_set_cursor(0, { row, col })
  results.rename_word = vim.fn.expand("<cword>")
  vim.lsp.buf.rename("cinq")
  wait(TIMEOUT, function()
    return buffer_text(rbuf) ~= before
  end, "the rename edits")
  vim.wait(200)
  results.renamed_text = buffer_text(rbuf)
  results.rename_client_shared = lexis.client(rbuf).id == lexis.client(buf).id
  step("rename")

  -- 4. lexis.run through the module's API, then :LexisRun with parameters.
  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/hello.lexis.json"))
  local hbuf = vim.api.nvim_get_current_buf()
  wait(TIMEOUT, function()
    local client = lexis.client(hbuf)
    return client ~= nil and client.initialized
  end, "the client on the hello buffer")
  local run_done, run_err, run_result = false, nil, nil
  lexis.run(hbuf, nil, function(err, result)
    run_done, run_err, run_result = true, err, result
  end)
  wait(TIMEOUT, function()
    return run_done
  end, "the lexis.run answer")
  if run_err then
    error("lexis.run failed: " .. vim.inspect(run_err))
  end
  results.run = run_result
  step("run")

  vim.cmd("edit " .. vim.fn.fnameescape(work .. "/params.lexis.json"))
  local pbuf = vim.api.nvim_get_current_buf()
  local pwin = vim.api.nvim_get_current_win()
  wait(TIMEOUT, function()
    local client = lexis.client(pbuf)
    return client ~= nil and client.initialized
  end, "the client on the params buffer")
  vim.cmd("LexisRun name=Ada count=3")
  local out_buf = -1
  wait(TIMEOUT, function()
    out_buf = vim.fn.bufnr("lexis://run")
    return out_buf ~= -1 and vim.fn.bufwinid(out_buf) ~= -1
  end, "the :LexisRun output window")
  results.lexisrun_lines = vim.api.nvim_buf_get_lines(out_buf, 0, -1, false)
  results.lexisrun_windows = #vim.api.nvim_tabpage_list_wins(0)
  results.lexisrun_buftype = vim.bo[out_buf].buftype
  results.lexisrun_focus_kept = vim.api.nvim_get_current_win() == pwin
  step("lexisrun")

  -- 5. :LexisHash (a notification) and :LexisExplain (a split with the explain page).
  local notified = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(notified, msg)
  end
  vim.cmd("LexisHash")
  wait(TIMEOUT, function()
    return #notified > 0
  end, "the :LexisHash message")
  vim.notify = notify
  results.hash_message = notified[1]
  vim.cmd("LexisExplain LX2001")
  local explain_buf = -1
  wait(TIMEOUT, function()
    explain_buf = vim.fn.bufnr("lexis://explain")
    return explain_buf ~= -1 and vim.fn.bufwinid(explain_buf) ~= -1
  end, "the :LexisExplain window")
  results.explain_lines = vim.api.nvim_buf_get_lines(explain_buf, 0, -1, false)
  step("commands")
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  results.error = tostring(err)
  save_results()
  io.stderr:write("lexis neovim test failed: " .. tostring(err) .. "\n")
  vim.cmd("cquit! 1")
else
  results.ok = true
  save_results()
  vim.cmd("qall!")
end
