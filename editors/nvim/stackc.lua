-- stackc's language server in Neovim 0.11 or later: diagnostics as you type,
-- hover, completion, go to definition, references, rename, code actions
-- (quick fixes, "allow this rule here") and formatting for stack specs.
--
-- Copy this file into your config (for example
-- ~/.config/nvim/plugin/stackc.lua) with `stackc` on your PATH
-- (`cargo install --path .` in the stackc repository).

-- `.spec` is RPM's extension too: a `.spec` file whose first statement is
-- `stack NAME` is a stack spec, any other stays an RPM spec.
vim.filetype.add({
  extension = {
    spec = function(_, bufnr)
      for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 100, false)) do
        if line:match('^%s*stack%s') then
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
