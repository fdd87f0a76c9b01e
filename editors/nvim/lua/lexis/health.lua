-- :checkhealth lexis — is everything in place for Lexis files?
--   the language server (found, and its version), the Python it runs on (3.11+), filetype
--   detection of *.lexis.json, the project configuration file (lexis.toml, or [tool.lexis] in
--   pyproject.toml, found upward from the current file), the attached client, nvim-dap.
-- Works on 0.7 (the `health` module's report_* functions) and 0.8+ (vim.health).

local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error_ = health.error or health.report_error
local info = health.info or health.report_info

local has08 = vim.fn.has("nvim-0.8") == 1
local has011 = vim.fn.has("nvim-0.11") == 1

-- Runs a command (a list) synchronously: its output (trimmed) and whether it exited with 0.
local function run(cmd)
  local ok_call, out = pcall(vim.fn.system, cmd)
  if not ok_call then
    return tostring(out), false
  end
  return vim.trim(out or ""), vim.v.shell_error == 0
end

--- The server command in use: `require("lexis").setup{cmd = ...}`, else the 0.11
--- `vim.lsp.config("lexis", ...)` one, else the default `lexis-ls`. Also says where it came from.
function M.server_cmd()
  local lexis = package.loaded["lexis"]
  if lexis and lexis.configured and type(lexis.config.cmd) == "table" then
    return lexis.config.cmd, 'require("lexis").setup()'
  end
  if has011 and vim.lsp.config then
    local ok_get, cfg = pcall(function()
      return vim.lsp.config["lexis"]
    end)
    if ok_get and cfg and type(cfg.cmd) == "table" then
      return cfg.cmd, 'vim.lsp.config("lexis")'
    end
  end
  return { "lexis-ls" }, "the default"
end

-- The Python a server command runs on: the command itself when it is a Python, else the
-- interpreter named on the first line of the script (a pip/pipx entry point), else python3.
local function server_python(cmd)
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    return nil
  end
  if vim.fn.fnamemodify(exe, ":t"):match("^python") then
    return exe
  end
  local ok_read, first = pcall(vim.fn.readfile, exe, "", 1)
  if ok_read and first[1] then
    local shebang = first[1]:match("^#!%s*(%S+)")
    if shebang and vim.fn.fnamemodify(shebang, ":t"):match("^python") then
      return shebang
    end
  end
  local python3 = vim.fn.exepath("python3")
  return python3 ~= "" and python3 or nil
end

local function check_server()
  start("lexis: language server")
  local cmd, origin = M.server_cmd()
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    error_(string.format("`%s` (%s) is not an executable on PATH", cmd[1], origin), {
      "install it from a checkout of lexis-ls: `pipx install /path/to/lexis-ls` (once published: `pipx install lexis-ls`)",
      "or set the full path: require('lexis').setup({ cmd = { '/path/to/.venv/bin/lexis-ls' } })",
    })
    return
  end
  local version_cmd = vim.list_extend(vim.deepcopy(cmd), { "--version" })
  local out, exited_ok = run(version_cmd)
  local version = out:match("^lexis%-ls (%S+)")
  if exited_ok and version then
    ok(string.format("%s (%s; from %s)", out, table.concat(cmd, " "), origin))
  else
    error_(string.format("`%s` did not answer with its version: %s", table.concat(version_cmd, " "), out), {
      "lexis-ls 0.1.0 and later print `lexis-ls VERSION`; reinstall it from this checkout",
    })
  end

  local python = server_python(cmd)
  if python == nil then
    warn("could not tell which Python runs " .. exe)
    return
  end
  local pyversion, py_ok = run({ python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])" })
  local major, minor = pyversion:match("^(%d+)%.(%d+)")
  if not py_ok or major == nil then
    error_("cannot run " .. python .. ": " .. pyversion)
  elseif tonumber(major) > 3 or (tonumber(major) == 3 and tonumber(minor) >= 11) then
    ok(string.format("Python %s (%s)", pyversion, python))
  else
    error_(string.format("Python %s (%s): lexis-ls needs Python 3.11 or later", pyversion, python))
  end
end

-- The buffer the user was in: :checkhealth runs in its own buffer (a new tab), so take the
-- most recently used listed buffer that is not a health report.
local function user_buffer()
  local best, best_used = nil, -1
  for _, b in ipairs(vim.fn.getbufinfo({ buflisted = 1 })) do
    local ft = vim.bo[b.bufnr].filetype
    if ft ~= "checkhealth" and not b.name:match("^health://") and (b.lastused or 0) > best_used then
      best, best_used = b.bufnr, b.lastused or 0
    end
  end
  return best
end

local function filetype_of(name)
  if has08 then
    return vim.filetype.match({ filename = name })
  end
  -- 0.7: vim.filetype.add is not used unless g:do_filetype_lua; look for the autocommand
  -- that require("lexis").setup() (or the user) defines.
  local found = vim.api.nvim_get_autocmds({ event = "BufRead", pattern = "*.lexis.json" })
  return #found > 0 and "lexis" or "json"
end

local function check_filetype()
  start("lexis: filetype detection")
  local ft = filetype_of("program.lexis.json")
  -- 0.8+ detect through vim.filetype, which runs only with `:filetype on`; 0.7's setup() sets
  -- the filetype from an autocommand of its own.
  if has08 and vim.fn.execute("filetype"):match("detection:OFF") then
    error_("filetype detection is off: *.lexis.json files get no filetype and no server", {
      "add `filetype on` (or `filetype plugin on`) to your configuration",
    })
  elseif ft == "lexis" then
    ok("*.lexis.json files get the `lexis` filetype")
  else
    error_(string.format("*.lexis.json files open as `%s`, not `lexis`: no server starts for them", tostring(ft)), {
      'call require("lexis").setup(), or add: vim.filetype.add({ pattern = { [".*%.lexis%.json"] = "lexis" } })',
    })
  end
  local buf = user_buffer()
  local name = buf and vim.api.nvim_buf_get_name(buf) or ""
  if name:match("%.lexis%.json$") then
    local loaded, lexis = pcall(require, "lexis")
    local client = loaded and lexis.client(buf)
    local what = string.format("current buffer %s: filetype `%s`, Lexis client ", vim.fn.fnamemodify(name, ":~:."),
      vim.bo[buf].filetype)
    if client then
      ok(what .. "attached (id " .. client.id .. ")")
    else
      warn(what .. "not attached", { [[see the server's log: :lua vim.cmd("edit " .. vim.lsp.get_log_path())]] })
    end
  end
end

--- The project configuration file that applies to `dir`: the nearest lexis.toml, or
--- pyproject.toml with a [tool.lexis] table, searched upward (as `lexis` finds it). nil if none.
function M.find_config(dir)
  while dir and dir ~= "" do
    local toml = dir .. "/lexis.toml"
    if vim.fn.filereadable(toml) == 1 then
      return toml
    end
    local pyproject = dir .. "/pyproject.toml"
    if vim.fn.filereadable(pyproject) == 1 then
      for _, line in ipairs(vim.fn.readfile(pyproject)) do
        if line:match("^%s*%[tool%.lexis[%]%.]") then
          return pyproject
        end
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

local function check_config()
  start("lexis: project configuration")
  local buf = user_buffer()
  local name = buf and vim.api.nvim_buf_get_name(buf) or ""
  local dir = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local found = M.find_config(dir)
  if found then
    ok("configuration file: " .. found)
  else
    info("no lexis.toml or [tool.lexis] in pyproject.toml above " .. dir .. ": the defaults apply")
  end
end

local function check_extras()
  start("lexis: editor")
  local v = vim.version()
  local version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
  if has011 then
    ok("Neovim " .. version .. ": vim.lsp.config / vim.lsp.enable, pull diagnostics")
  elseif has08 then
    ok("Neovim " .. version .. ": vim.lsp.start")
  else
    ok("Neovim " .. version .. ": the 0.7 fallback (vim.lsp.start_client, synchronous formatting)")
  end
  if pcall(require, "dap") then
    local dap = require("dap")
    if dap.adapters and dap.adapters.lexis then
      ok('nvim-dap: the `lexis` adapter is registered')
    else
      info('nvim-dap is installed; require("lexis.dap").setup() registers the `lexis` adapter')
    end
  else
    info("nvim-dap is not installed (only needed for debugging)")
  end
end

function M.check()
  check_server()
  check_filetype()
  check_config()
  check_extras()
end

return M
