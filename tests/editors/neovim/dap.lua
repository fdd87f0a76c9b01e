-- Loads editors/nvim's lexis.dap with an nvim-dap module table (nvim-dap itself is a GitHub
-- plugin, not reachable here) and records what it registers; the pytest then starts the
-- registered adapter command and debugs a program with the registered configuration.
local out = os.getenv("LEXIS_TEST_RESULT")
local ok, err = pcall(function()
  vim.opt.runtimepath:prepend(os.getenv("LEXIS_NVIM_PLUGIN"))
  package.loaded["dap"] = { adapters = {}, configurations = {} }
  local registered = require("lexis.dap").setup({
    cmd = { os.getenv("LEXIS_SERVER_PYTHON"), "-m", "lexis_ls", "dap" },
  })
  local dap = require("dap")
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode({
    registered = registered,
    adapter = dap.adapters.lexis,
    configurations = dap.configurations.lexis,
  }))
  f:close()
end)
if not ok then
  io.stderr:write(tostring(err) .. "\n")
  vim.cmd("cquit! 1")
end
vim.cmd("qall!")
