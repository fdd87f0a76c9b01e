-- A stand-in for lazy.nvim's `require("lazy").setup(specs)` (lazy.nvim is fetched from GitHub,
-- which these machines cannot reach), doing what lazy.nvim does with the fields of the README's
-- spec: `dir` (a leading ~ is the home folder), `init` (run at start-up), `ft` (the plugin is
-- loaded on the first FileType event of those filetypes: its folder joins 'runtimepath', its
-- plugin/ scripts are sourced, `config(plugin, opts)` runs, and the event is fired again for
-- the buffer, as lazy.nvim's event handler does). Any other field fails the test, so the README
-- cannot grow a field this stand-in does not honour.
local M = { loaded = {} }

local KNOWN = { dir = true, name = true, ft = true, init = true, config = true, opts = true }

local function norm(path)
  if path:sub(1, 1) == "~" then
    path = (vim.uv or vim.loop).os_homedir() .. path:sub(2)
  end
  return (path:gsub("/+$", ""))
end

local function load(plugin)
  if M.loaded[plugin.name] then
    return
  end
  M.loaded[plugin.name] = true
  vim.opt.runtimepath:prepend(plugin.dir)
  for _, script in ipairs(vim.fn.glob(plugin.dir .. "/plugin/**/*.{vim,lua}", false, true)) do
    vim.cmd("source " .. vim.fn.fnameescape(script))
  end
  if type(plugin.config) == "function" then
    plugin.config(plugin, plugin.opts or {})
  elseif plugin.opts then
    require(plugin.name).setup(plugin.opts)
  end
end

function M.setup(specs)
  for _, spec in ipairs(specs) do
    for key in pairs(spec) do
      if not KNOWN[key] then
        error("lazy stand-in: unsupported spec field " .. key)
      end
    end
    local plugin = vim.deepcopy(spec)
    plugin.dir = norm(spec.dir)
    plugin.name = spec.name or vim.fn.fnamemodify(plugin.dir, ":t")
    if plugin.init then
      plugin.init(plugin)
    end
    local fts = type(spec.ft) == "string" and { spec.ft } or spec.ft
    if fts then
      local group = vim.api.nvim_create_augroup("lazy_standin_" .. plugin.name, { clear = true })
      vim.api.nvim_create_autocmd("FileType", {
        group = group,
        pattern = fts,
        once = true,
        callback = function(args)
          load(plugin)
          vim.api.nvim_exec_autocmds("FileType", { buffer = args.buf, modeline = false })
        end,
      })
    else
      load(plugin)
    end
  end
end

return M
