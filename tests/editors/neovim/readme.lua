-- Runs after a user configuration made of editors/nvim/README.md's code blocks, exactly as
-- printed (tests/editors/test_neovim.py writes them to $XDG_CONFIG_HOME/nvim/init.lua):
--   nvim --headless -c 'luafile tests/editors/neovim/readme.lua'
-- Does what a user does next and records what Neovim shows in $LEXIS_TEST_RESULT (JSON).
-- Environment: LEXIS_TEST_WORK (copies of the fixtures), LEXIS_TEST_STEPS (comma-separated:
-- diagnostics, health, save, graph, dap, complete), LEXIS_TEST_HEALTH (the README's
-- `:checkhealth` line), LEXIS_TEST_OPENED (where the stand-in xdg-open writes its argument).

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

local function read_file(path)
  local f = io.open(path, "rb")
  if f == nil then
    return nil
  end
  local text = f:read("*a")
  f:close()
  return text
end

-- The `lexis` client of a buffer, found as a user would (no help from the plugin, which the
-- 0.11 configuration does not load).
local function lexis_client(buf)
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ bufnr = buf })
  else
    clients = vim.lsp.buf_get_clients(buf)
  end
  for _, client in pairs(clients) do
    if client.name == "lexis" then
      return client
    end
  end
  return nil
end

local function codes(buf)
  local out = {}
  local diags = vim.diagnostic.get(buf)
  table.sort(diags, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  for _, d in ipairs(diags) do
    table.insert(out, d.code)
  end
  return out
end

local steps = {}
for name in env("LEXIS_TEST_STEPS"):gmatch("[^,]+") do
  steps[name] = true
end

local function finish(ok, err)
  if not ok then
    results.error = tostring(err)
    save_results()
    io.stderr:write("lexis README test failed: " .. tostring(err) .. "\n")
    vim.cmd("cquit! 1")
  else
    results.ok = true
    save_results()
    vim.cmd("qall!")
  end
end

-- Completion as a user asks for it: <C-x><C-o> typed in insert mode, inside the opcode string
-- of the `show` node (`"p|rint"`). Typed keys are processed by the main loop, so this step runs
-- last, after the script returns; a timer reads the popup's items.
local function completion_then_finish(buf)
  local row, col
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local at = line:find('"op": "print"', 1, true)
    if at then
      row, col = i, at - 1 + #'"op": "p' -- 0-based column of the `r`
    end
  end
  assert(row, "no print node in the fixture")
  vim.api.nvim_win_set_cursor(0, { row, col })
  results.omnifunc = vim.bo[buf].omnifunc
  -- `i` inserts before the `r`: the text before the cursor is `"p`.
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("i<C-x><C-o>", true, false, true), "t", false)
  local tries = 0
  local timer = (vim.uv or vim.loop).new_timer()
  timer:start(100, 100, vim.schedule_wrap(function()
    tries = tries + 1
    local info = vim.fn.complete_info({ "items", "mode" })
    if #info.items == 0 and tries < 100 then
      return
    end
    timer:stop()
    timer:close()
    local words = {}
    for _, item in ipairs(info.items) do
      table.insert(words, item.word)
    end
    results.completion_mode = info.mode
    results.completion_words = words
    step("complete")
    vim.cmd("stopinsert")
    finish(true)
  end))
end

local function main()
  local work = env("LEXIS_TEST_WORK")
  results.nvim_version = string.format("%d.%d.%d", vim.version().major, vim.version().minor, vim.version().patch)
  local buf = nil

  if steps.diagnostics then
    vim.cmd("edit " .. vim.fn.fnameescape(work .. "/problems.lexis.json"))
    buf = vim.api.nvim_get_current_buf()
    results.filetype = vim.bo[buf].filetype
    wait(TIMEOUT, function()
      local client = lexis_client(buf)
      return client ~= nil and client.initialized
    end, "a client named lexis to attach and initialize")
    results.client_cmd = lexis_client(buf).config.cmd
    wait(TIMEOUT, function()
      return #vim.diagnostic.get(buf) >= 2
    end, "diagnostics")
    results.codes = codes(buf)
    step("diagnostics")
  end

  if steps.health then
    vim.cmd(env("LEXIS_TEST_HEALTH"):gsub("^:", ""))
    results.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    vim.cmd("tabclose")
    step("health")
  end

  if steps.save then
    vim.api.nvim_set_current_buf(buf)
    vim.cmd("write")
    results.saved_text = read_file(work .. "/problems.lexis.json")
    wait(TIMEOUT, function()
      return #vim.diagnostic.get(buf) == 0
    end, "diagnostics to clear after the save")
    step("save")
  end

  if steps.graph then
    -- :LexisGraph on the saved buffer, then again with an unsaved edit (`show` renamed `shown`):
    -- the stand-in xdg-open appends each page it is asked to open, and a copy of the page as
    -- it was then, to $LEXIS_TEST_OPENED.
    vim.api.nvim_set_current_buf(buf)
    local opened = env("LEXIS_TEST_OPENED")
    local function opened_count()
      local text = read_file(opened) or ""
      local _, n = text:gsub("\n", "")
      return n
    end
    vim.cmd("LexisGraph")
    wait(TIMEOUT, function()
      return opened_count() >= 1
    end, "the graph page to be opened")
    for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
      if line:find('"id": "show"', 1, true) then
        local edited = line:gsub('"id": "show"', '"id": "shown"')
        vim.api.nvim_buf_set_lines(buf, i - 1, i, false, { edited })
      end
    end
    results.modified_before_graph = vim.bo[buf].modified
    vim.cmd("LexisGraph")
    wait(TIMEOUT, function()
      return opened_count() >= 2
    end, "the graph page of the edited buffer to be opened")
    results.opened = vim.split(vim.trim(read_file(opened)), "\n")
    results.modified_after_graph = vim.bo[buf].modified
    step("graph")
  end

  if steps.dap then
    local dap = require("dap")
    results.dap_adapter = dap.adapters.lexis
    results.dap_configurations = dap.configurations.lexis
    step("dap")
  end

  if steps.complete then
    completion_then_finish(buf)
    return false
  end
  return true
end

local ok, done = xpcall(main, debug.traceback)
if not ok then
  finish(false, done)
elseif done then
  finish(true)
end
