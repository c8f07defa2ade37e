-- stackc's language server in Neovim 0.11 or later: diagnostics as you type,
-- hover, completion, go to definition, references, rename, code actions
-- (quick fixes, "allow this rule here") and formatting for stack specs.
--
-- Copy this file into your config (for example
-- ~/.config/nvim/plugin/stackc.lua) with `stackc` on your PATH
-- (`cargo install --path .` in the stackc repository).

-- `.spec` is RPM's extension too (and PyInstaller's): a `.spec` file whose
-- first statement is a keyword and a name (`stack shop`, `service web {`) is
-- a stack spec, as `stackc lint --only-stack-specs` decides; any other stays
-- an RPM spec.
local statements = { stack = 1, volume = 1, network = 1, secret = 1, service = 1, job = 1, proxy = 1 }
vim.filetype.add({
  filename = { ['stack.spec'] = 'stackspec' },
  pattern = { ['.*%.stack%.spec'] = { 'stackspec', { priority = 10 } } },
  extension = {
    spec = function(_, bufnr)
      for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 100, false)) do
        local keyword, rest = line:match('^%s*(%l+)%s+%w[%w_-]*(.*)$')
        if keyword and statements[keyword] and (rest == '' or rest:match('^[%s{#]')) then
          return 'stackspec'
        end
        if not (line:match('^%s*#') or line:match('^%s*$')) then
          break
        end
      end
      return 'spec'
    end,
  },
})

vim.lsp.config('stackc', {
  cmd = { 'stackc', 'lsp' },
  filetypes = { 'stackspec' },
  root_markers = { 'stackc.toml', '.git' },
})
vim.lsp.enable('stackc')

-- Comments start with `#`, so `gc` comments lines out.
vim.api.nvim_create_autocmd('FileType', {
  pattern = 'stackspec',
  callback = function()
    vim.bo.commentstring = '# %s'
  end,
})
