-- Debugging Lexis programs with nvim-dap (https://github.com/mfussenegger/nvim-dap).
--
--   require("lexis.dap").setup()                          -- runs `lexis-ls dap`
--   require("lexis.dap").setup({ cmd = { "python3", "-m", "lexis_ls.dap" } })
--
-- Then, in a *.lexis.json buffer: set breakpoints on node lines (`:lua require("dap").toggle_breakpoint()`),
-- start with `:lua require("dap").continue()` and step with step_over / step_into / step_out.
-- To stop on the first node: require("dap").run({ type = "lexis", request = "launch",
-- name = "entry", program = vim.fn.expand("%:p"), stopOnEntry = true }).
-- The adapter speaks DAP over stdio; launch arguments: program, params, stdin, stopOnEntry,
-- timeout, trustCeiling, fsRoot, noDebug, memory.

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
  },
}

--- Registers the `lexis` adapter and its one launch configuration with nvim-dap (with a single
--- configuration, `require("dap").continue()` starts it without asking which to use).
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
