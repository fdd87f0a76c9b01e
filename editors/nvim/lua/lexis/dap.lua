-- Debugging Lexis programs with nvim-dap (https://github.com/mfussenegger/nvim-dap).
--
--   require("lexis.dap").setup()                          -- runs `lexis-ls dap`
--   require("lexis.dap").setup({ cmd = { "python3", "-m", "lexis_ls.dap" } })
--
-- Then, in a *.lexis.json buffer: set breakpoints on node lines (`:lua require("dap").toggle_breakpoint()`),
-- start with `:lua require("dap").continue()` and step with step_over / step_into / step_out.
-- The adapter speaks DAP over stdio; launch arguments: program, params, stdin, stopOnEntry,
-- timeout, trustCeiling, fsRoot, noDebug.

local M = {}

M.defaults = {
  cmd = { "lexis-ls", "dap" },
  configurations = {
    {
      type = "lexis",
      request = "launch",
      name = "Debug Lexis program",
      program = "${file}",
    },
    {
      type = "lexis",
      request = "launch",
      name = "Debug Lexis program (stop on entry)",
      program = "${file}",
      stopOnEntry = true,
    },
  },
}

--- Registers the `lexis` adapter and launch configurations with nvim-dap.
--- Returns false (with a warning) when nvim-dap is not installed.
function M.setup(opts)
  opts = opts or {}
  local ok, dap = pcall(require, "dap")
  if not ok then
    vim.notify("lexis.dap: nvim-dap is not installed", vim.log.levels.WARN)
    return false
  end
  local cmd = opts.cmd or M.defaults.cmd
  dap.adapters.lexis = {
    type = "executable",
    command = cmd[1],
    args = vim.list_slice(cmd, 2),
  }
  dap.configurations.lexis = opts.configurations or vim.deepcopy(M.defaults.configurations)
  return true
end

return M
