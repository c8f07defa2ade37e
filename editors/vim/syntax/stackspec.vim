" Vim syntax file
" Language:    stackc stack spec (https://github.com/stackc/stackc)
" Filetype:    stackspec, as editors/nvim/stackc.lua and ftdetect/stackspec.vim set it
"
" The keywords are those of grammar/stack.pest; tests/editors.rs checks that
" every one of them is highlighted as a keyword here.

if exists('b:current_syntax')
  finish
endif

" A word is what a bare value is made of (letters, digits and _ - . / : @ % ~ * +),
" so `nginx:1.30` or `/srv/env` holds no keyword.
syntax iskeyword @,48-57,_,45-47,58,64,37,126,42,43
syntax case match

syntax match stackspecKeyword /\<\%(access\|add\|add_header\|after\|alias\|always\|anonymous\|arg\|as_user\|at\|before_install\|bind\|build\|build_packages\|certificate\|class\|client_max_body_size\|cmd\|collectstatic\|command\|compose\|config\|container_name\|cpus\|daphne\|development\|dockerfile\|done\|driver\|entrypoint\|env\|env_file\|environment\|every\|expose\|external\|file\|graceful_timeout\|gunicorn\|hardening\|hostname\|http\|https\|ignore\|image\|internal\|job\|key\|labels\|limits\|listen\|location\|manage\|memory\|mount\|name\|network\|networks\|nginx\|no\|of\|off\|on-failure\|optional\|packages\|pids\|poetry\|port\|private\|production\|proxy\|proxy_connect_timeout\|proxy_pass\|proxy_read_timeout\|proxy_send_timeout\|proxy_set_header\|publish\|python\|readonly\|ready\|redirect\|relabel\|remove\|replicas\|requirements\|restart\|retries\|return\|ro\|run\|secret\|server\|server_name\|service\|set\|shared\|shm_size\|size\|stack\|start\|start_every\|started\|stop_grace_period\|stop_signal\|target\|tcp\|timeout\|tls\|to\|uid\|unless-stopped\|unset\|upstream\|user\|uv\|uvicorn\|volume\|websocket\|weight\|without\|workdir\|worker\|workers\)\>/
syntax match stackspecNumber /\<\%(\%(\d\+\%(ms\|[smh]\)\)\+\|\d\+\%(\.\d\+\)*[kKmMgG]\=\)\>/
syntax match stackspecOperator /->\|=/
" A location's modifier: `^~`, `~` or `~*` (`=` is an operator already).
syntax match stackspecOperator /\%(\<location\s\+\)\@<=\%(\^\~\|\~\*\=\)\ze[ \t"]/
syntax match stackspecDelimiter /[{}[\],]/

" Names, declared or referred to. Defined after the keywords, so that a name
" that is also a keyword (`proxy nginx`, `after collectstatic done`) is a name.
syntax match stackspecName /\%(\<\%(stack\|volume\|network\|secret\|service\|job\|proxy\|upstream\|environment\|of\|alias\|proxy_pass\|certificate\|key\|after\)\s\+\)\@<=\a[[:alnum:]_-]*\>/
" A stack's name may start with a digit (`stack 2fauth`), as a compose project's.
syntax match stackspecName /\%(\<stack\s\+\)\@<=\d[[:alnum:]_-]*\>/
syntax match stackspecName /\%(^\s*after\s.*,\s*\)\@<=\a[[:alnum:]_-]*\>/
syntax match stackspecName /\%(\<secret\s\+\h\w*\s*=\s*\)\@<=\a[[:alnum:]_-]*\>/
" A named location: `location @app`.
syntax match stackspecName /\%(\<location\s\+@\)\@<=\a[[:alnum:]_-]*\>/

" Strings: one line, with the escapes \" \ \n \t \r and \u{1F600}. A string
" the line ends in is still a string.
syntax region stackspecString start=/"/ skip=/\\./ end=/"\|$/ contains=stackspecBadEscape,stackspecEscape
syntax match stackspecBadEscape /\\./ contained
syntax match stackspecEscape /\\\%(["\\ntr]\|u{\x\{1,6}}\)/ contained

" Comments, and the suppressions in them: `# stackc: allow(rule)`.
syntax match stackspecComment /#.*$/ contains=stackspecSuppression,@Spell
syntax match stackspecSuppression /stackc:\s*allow\>/ contained

highlight default link stackspecKeyword Keyword
highlight default link stackspecNumber Number
highlight default link stackspecOperator Operator
highlight default link stackspecDelimiter Delimiter
highlight default link stackspecName Identifier
highlight default link stackspecString String
highlight default link stackspecEscape SpecialChar
highlight default link stackspecBadEscape Error
highlight default link stackspecComment Comment
highlight default link stackspecSuppression PreProc

let b:current_syntax = 'stackspec'
