" stack.spec and *.stack.spec are stack specs. `.spec` is RPM's extension too
" (and PyInstaller's): another *.spec file is a stack spec only when its first
" statement, past comments and blank lines, is a keyword and a name
" (`stack shop`, `service web {`), as `stackc lint --only-stack-specs` decides.
autocmd BufNewFile,BufRead stack.spec,*.stack.spec set filetype=stackspec
autocmd BufNewFile,BufRead *.spec if s:StartsLikeAStackSpec() | set filetype=stackspec | endif

function! s:StartsLikeAStackSpec() abort
  for line in getline(1, 100)
    if line =~# '^\%(\%ufeff\)\=\s*\%(stack\|volume\|network\|secret\|service\|job\|proxy\)\s\+[[:alnum:]][[:alnum:]_-]*\%(\s\|{\|#\|$\)'
      return 1
    endif
    if line !~# '^\s*\%(#.*\)\=$'
      return 0
    endif
  endfor
  return 0
endfunction
