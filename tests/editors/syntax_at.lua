-- Run by tests/editors.rs in a headless Neovim with editors/vim on its
-- runtimepath and a spec open: prints the buffer's filetype and the syntax
-- group at each place STACKC_PLACES lists (JSON [[line, column], ...], both
-- 1-based, the column in bytes) as JSON on stdout, and quits.
local places = vim.json.decode(os.getenv('STACKC_PLACES') or '[]')
local groups = {}
for _, place in ipairs(places) do
  table.insert(groups, vim.fn.synIDattr(vim.fn.synID(place[1], place[2], 1), 'name'))
end
io.stdout:write(vim.json.encode({ filetype = vim.bo.filetype, groups = groups }) .. '\n')
vim.cmd('qall!')
