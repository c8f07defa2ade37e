-- Run by tests/lsp.rs in a headless Neovim that loaded editors/nvim/stackc.lua
-- and opened a spec: waits for stackc lsp's diagnostics on the buffer, prints
-- them as JSON on stdout, and quits.
vim.wait(15000, function()
  return #vim.diagnostic.get(0) > 0
end, 20)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, {
    lnum = d.lnum,
    col = d.col,
    end_col = d.end_col,
    code = d.code,
    source = d.source,
    severity = d.severity,
    message = d.message,
  })
end
local clients = {}
for _, client in ipairs(vim.lsp.get_clients({ bufnr = 0 })) do
  table.insert(clients, { name = client.name, encoding = client.offset_encoding })
end
io.stdout:write(vim.json.encode({ filetype = vim.bo.filetype, clients = clients, diagnostics = found }) .. '\n')
vim.cmd('qall!')
