//! Every declared name of a spec and every place that uses it, read from
//! the IR's spans: the outline, go to definition, references, rename and
//! name completion all answer from this one index.
//!
//! References resolve as [`crate::resolve`] resolves them: by exact name,
//! services, jobs and proxies in one namespace, upstreams within their
//! proxy. A use of an unknown name belongs to no symbol (resolution
//! reports it).

use foldhash::{HashMap, HashMapExt};

use crate::ir::{ImageSource, LocationAction, MountSource, Proxy, Service, ServiceKind, Stack};
use crate::source::{Span, Spanned};

use super::text::Change;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Stack,
    Volume,
    Network,
    Secret,
    Service,
    Job,
    Proxy,
    Upstream,
    /// A `server { ... }` block of a proxy: in the outline only.
    Server,
    /// A `location PATH { ... }`: in the outline only.
    Location,
    /// An `environment NAME { ... }`: in the outline only; what it declares
    /// are its children.
    Environment,
}

impl Kind {
    /// How the spec declares it.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Stack => "stack",
            Kind::Volume => "volume",
            Kind::Network => "network",
            Kind::Secret => "secret",
            Kind::Service => "service",
            Kind::Job => "job",
            Kind::Proxy => "proxy",
            Kind::Upstream => "upstream",
            Kind::Server => "server",
            Kind::Location => "location",
            Kind::Environment => "environment",
        }
    }

    /// Whether statements refer to it by name, so that it can be renamed.
    pub fn is_named(self) -> bool {
        !matches!(self, Kind::Stack | Kind::Server | Kind::Location | Kind::Environment)
    }

    /// Names of kinds in one namespace must differ.
    fn namespace(self) -> Kind {
        match self {
            Kind::Job | Kind::Proxy => Kind::Service,
            other => other,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub kind: Kind,
    pub name: String,
    /// The name where it is declared (a location's path, a server's keyword).
    pub name_span: Span,
    /// The whole statement or block.
    pub span: Span,
    /// The symbol whose block holds it: a proxy for its upstreams.
    pub parent: Option<usize>,
    /// Whether the name is still written at `name_span`: false for a name
    /// an edit changed since the parse the index comes from.
    pub current: bool,
}

/// A use of a symbol's name, outside its declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub symbol: usize,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
    /// The base's `after` edges, waiter then awaited (symbol indices).
    pub waits: Vec<(usize, usize)>,
}

impl Index {
    pub fn new(stack: &Stack) -> Index {
        let mut index = Index::default();
        if let Some(name) = &stack.name {
            index.declare(Kind::Stack, name, name.span, None);
        }
        for volume in &stack.volumes {
            index.declare(Kind::Volume, &volume.name, volume.span, None);
        }
        for network in &stack.networks {
            index.declare(Kind::Network, &network.name, network.span, None);
        }
        for secret in &stack.secrets {
            index.declare(Kind::Secret, &secret.name, secret.span, None);
        }
        let mut containers = index.declare_containers(&stack.services, None);
        for environment in stack.environments.iter() {
            let parent = Some(index.declare(Kind::Environment, &environment.name, environment.span, None));
            for volume in &environment.volumes {
                index.declare(Kind::Volume, &volume.name, volume.span, parent);
            }
            for network in &environment.networks {
                index.declare(Kind::Network, &network.name, network.span, parent);
            }
            for secret in &environment.secrets {
                index.declare(Kind::Secret, &secret.name, secret.span, parent);
            }
            containers.extend(index.declare_containers(&environment.services, parent));
        }
        index.refer_all(stack, &containers);
        index
    }

    /// Services, jobs and proxies, with each its symbol.
    fn declare_containers<'s>(&mut self, services: &'s [Service], parent: Option<usize>) -> Vec<(&'s Service, usize)> {
        services
            .iter()
            .map(|service| {
                let kind = match &service.kind {
                    ServiceKind::App { .. } => Kind::Service,
                    ServiceKind::Job => Kind::Job,
                    ServiceKind::Proxy(_) => Kind::Proxy,
                };
                let symbol = self.declare(kind, &service.name, service.span, parent);
                if let Some(proxy) = service.proxy() {
                    self.declare_proxy(symbol, proxy);
                }
                (service, symbol)
            })
            .collect()
    }

    fn declare(&mut self, kind: Kind, name: &Spanned<String>, span: Span, parent: Option<usize>) -> usize {
        self.symbols.push(Symbol {
            kind,
            name: name.value.clone(),
            name_span: name.span,
            span,
            parent,
            current: true,
        });
        self.symbols.len() - 1
    }

    fn declare_proxy(&mut self, proxy_symbol: usize, proxy: &Proxy) {
        let proxy_span = self.symbols[proxy_symbol].span;
        for upstream in &proxy.upstreams {
            self.declare(Kind::Upstream, &upstream.name, upstream.span, Some(proxy_symbol));
        }
        for server in &proxy.servers {
            // The shorthand's one server is the proxy itself.
            let parent = if server.span == proxy_span {
                proxy_symbol
            } else {
                let names: Vec<&str> = server.server_names.iter().map(|n| n.as_str()).collect();
                let name = match names.is_empty() {
                    true => "server".to_string(),
                    false => format!("server {}", names.join(" ")),
                };
                let keyword = Span::new(server.span.start(), server.span.start() + "server".len());
                self.declare(
                    Kind::Server,
                    &Spanned::new(name, keyword),
                    server.span,
                    Some(proxy_symbol),
                )
            };
            for location in &server.locations {
                let key = Spanned::new(location.key(), location.path.span);
                self.declare(Kind::Location, &key, location.span, Some(parent));
            }
        }
    }

    /// Every use of a declared name in the stack.
    /// `containers`: every declared container with its symbol (the scope of
    /// its upstreams).
    fn refer_all(&mut self, stack: &Stack, containers: &[(&Service, usize)]) {
        let mut names: HashMap<(Kind, Option<usize>, &str), usize> = HashMap::with_capacity(self.symbols.len());
        for (i, symbol) in self.symbols.iter().enumerate().rev() {
            if symbol.kind.is_named() {
                let scope = (symbol.kind == Kind::Upstream).then_some(symbol.parent).flatten();
                names.insert((symbol.kind.namespace(), scope, symbol.name.as_str()), i);
            }
        }
        let mut references = Vec::new();
        let mut waits = Vec::new();
        let mut refer = |kind: Kind, scope: Option<usize>, name: &Spanned<String>| {
            if let Some(&symbol) = names.get(&(kind, scope, name.as_str())) {
                references.push(Reference {
                    symbol,
                    span: name.span,
                });
            }
        };
        // The statements an environment's operations write name things too;
        // their blocks name a container, `without` a declaration.
        let mut operated = Vec::new();
        for environment in stack.environments.iter() {
            for change in &environment.changes {
                refer(Kind::Service, None, &change.name);
                let statements = change.operations.iter().filter_map(|o| o.statement.as_deref());
                operated.extend(statements.map(|s| (s, usize::MAX)));
            }
            for without in &environment.withouts {
                let kind = match without.keyword {
                    "volume" => Kind::Volume,
                    "network" => Kind::Network,
                    "secret" => Kind::Secret,
                    _ => Kind::Service,
                };
                refer(kind, None, &without.name);
            }
        }
        for &(service, symbol) in containers.iter().chain(&operated) {
            if let Some(ImageSource::Of(of)) = &service.image {
                refer(Kind::Service, None, of);
            }
            for dependency in &service.after {
                refer(Kind::Service, None, &dependency.target);
                let awaited = names.get(&(Kind::Service, None, dependency.target.as_str()));
                if let Some(&awaited) = awaited.filter(|_| symbol != usize::MAX) {
                    waits.push((symbol, awaited));
                }
            }
            for network in &service.networks {
                refer(Kind::Network, None, network);
            }
            for secret in &service.secrets {
                refer(Kind::Secret, None, &secret.secret);
            }
            for mount in &service.secret_mounts {
                refer(Kind::Secret, None, &mount.secret);
            }
            for mount in &service.mounts {
                if let MountSource::Volume(volume) = &mount.source {
                    refer(Kind::Volume, None, volume);
                }
            }
            let Some(proxy) = service.proxy() else { continue };
            for server in proxy.upstream_servers() {
                refer(Kind::Service, None, &server.service);
            }
            for location in proxy.locations() {
                match &location.action {
                    LocationAction::ProxyPass(pass) => refer(Kind::Upstream, Some(symbol), &pass.upstream),
                    LocationAction::Alias(alias) => refer(Kind::Volume, None, &alias.volume),
                    LocationAction::Return(_) | LocationAction::Raw(_) | LocationAction::InheritedRoot => {}
                }
            }
            for tls in proxy.servers.iter().filter_map(|s| s.tls.as_ref()) {
                refer(Kind::Secret, None, &tls.certificate);
                refer(Kind::Secret, None, &tls.key);
            }
        }
        references.sort_by_key(|r| (r.span.start(), r.span.end()));
        self.references = references;
        self.waits = waits;
    }

    /// The named symbol whose declaration or use is at `offset` (a cursor
    /// just after a name is on it).
    pub fn symbol_at(&self, offset: usize) -> Option<(usize, Span)> {
        let on = |span: Span| span.start() <= offset && offset <= span.end();
        self.symbols
            .iter()
            .enumerate()
            .find(|(_, s)| s.kind.is_named() && s.current && on(s.name_span))
            .map(|(i, s)| (i, s.name_span))
            .or_else(|| self.references.iter().find(|r| on(r.span)).map(|r| (r.symbol, r.span)))
    }

    /// Where a symbol's name is used, outside its declaration.
    pub fn uses(&self, symbol: usize) -> impl Iterator<Item = Span> + '_ {
        self.references
            .iter()
            .filter(move |r| r.symbol == symbol)
            .map(|r| r.span)
    }

    /// The symbols a name of this kind may refer to from `offset`: for an
    /// upstream, those of the proxy around it.
    pub fn names_for(&self, kinds: &[Kind], offset: usize) -> impl Iterator<Item = &Symbol> + '_ {
        let proxy = self.enclosing(offset, Kind::Proxy);
        let kinds = kinds.to_vec();
        self.symbols
            .iter()
            .filter(move |s| s.current && kinds.contains(&s.kind) && (s.kind != Kind::Upstream || s.parent == proxy))
    }

    /// The innermost symbol of `kind` whose block holds `offset`.
    pub fn enclosing(&self, offset: usize, kind: Kind) -> Option<usize> {
        self.symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == kind && s.span.start() <= offset && offset <= s.span.end())
            .map(|(i, _)| i)
            .next_back()
    }

    /// Another symbol that a new name for `symbol` would clash with (names
    /// that differ only in case are the same name).
    pub fn clash(&self, symbol: usize, name: &str) -> Option<&Symbol> {
        let this = &self.symbols[symbol];
        self.symbols.iter().enumerate().find_map(|(i, other)| {
            let same_scope = other.kind.namespace() == this.kind.namespace()
                && (this.kind != Kind::Upstream || other.parent == this.parent);
            (i != symbol && same_scope && other.name.eq_ignore_ascii_case(name)).then_some(other)
        })
    }

    /// This index with its spans carried over the changes, in order, that
    /// made `text`: the last good parse serves a spec that does not parse
    /// now. A name a change touched is no longer found by name (see
    /// [`Symbol::current`]), and its uses are dropped.
    pub fn carried(&self, changes: &[Change], text: &str) -> Index {
        let map = |span: Span| {
            changes.iter().fold(span, |span, change| {
                let start = change.map(span.start());
                Span::new(start, change.map(span.end()).max(start))
            })
        };
        let written = |span: Span, name: &str| text.get(span.start()..span.end()) == Some(name);
        let symbols: Vec<Symbol> = self
            .symbols
            .iter()
            .map(|s| {
                let name_span = map(s.name_span);
                Symbol {
                    name_span,
                    span: map(s.span),
                    current: s.current && (!s.kind.is_named() || written(name_span, &s.name)),
                    ..s.clone()
                }
            })
            .collect();
        let references = self
            .references
            .iter()
            .map(|r| Reference {
                span: map(r.span),
                ..*r
            })
            .filter(|r| symbols[r.symbol].current && written(r.span, &symbols[r.symbol].name))
            .collect();
        Index {
            symbols,
            references,
            waits: self.waits.clone(),
        }
    }

    /// The containers that wait for `symbol`, directly or through others:
    /// an `after` naming one of them would be a cycle.
    pub fn waiting_for(&self, symbol: usize) -> std::collections::HashSet<usize> {
        let mut found = std::collections::HashSet::new();
        let mut next = vec![symbol];
        while let Some(awaited) = next.pop() {
            for &(waiter, _) in self.waits.iter().filter(|(_, a)| *a == awaited) {
                if found.insert(waiter) {
                    next.push(waiter);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const SPEC: &str = "stack shop\nvolume data\nsecret key file \"k\"\n\
        service web {\n    image example/web:1.0\n    mount data at /d\n    secret KEY = key\n}\n\
        job once {\n    image of web\n    after web, nobody\n}\n\
        proxy a {\n    upstream u {\n        server web:80\n    }\n    location / {\n        proxy_pass u\n    }\n}\n\
        proxy b {\n    upstream u {\n        server web:80\n    }\n    location / {\n        proxy_pass u\n    }\n}\n";

    fn index(text: &str) -> Index {
        let (stack, _) = crate::syntax::parse(&SourceFile::new("t.spec", text));
        Index::new(&stack.expect("a spec that parses"))
    }

    fn uses_of(index: &Index, kind: Kind, name: &str) -> Vec<usize> {
        let symbol = index
            .symbols
            .iter()
            .position(|s| s.kind == kind && s.name == name)
            .unwrap();
        index.uses(symbol).map(|span| span.start()).collect()
    }

    /// The outline names each location as nginx's `location` line does.
    #[test]
    fn locations_are_named_by_their_modifier_and_path() {
        let text = "stack shop\nproxy p {\n    location = /h { return 200 }\n    location ^~ /s/ { return 404 }\n    \
            location ~* \"\\\\.css$\" { return 404 }\n    location @app { return 404 }\n}\n";
        let index = index(text);
        let names: Vec<&str> = (index.symbols.iter())
            .filter(|s| s.kind == Kind::Location)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["= /h", "^~ /s/", "~* \\.css$", "@app"]);
    }

    #[test]
    fn uses_resolve_by_kind_and_upstreams_within_their_proxy() {
        let index = index(SPEC);
        let at = |needle: &str, nth: usize| SPEC.match_indices(needle).nth(nth).unwrap().0;
        assert_eq!(uses_of(&index, Kind::Volume, "data"), [at("data at", 0)]);
        assert_eq!(uses_of(&index, Kind::Secret, "key"), [at("= key", 0) + 2]);
        let web = uses_of(&index, Kind::Service, "web");
        assert_eq!(web.len(), 4, "image of, after, two upstream servers");
        let upstreams: Vec<&Symbol> = index.symbols.iter().filter(|s| s.kind == Kind::Upstream).collect();
        assert_eq!(upstreams.len(), 2);
        let first = index
            .symbols
            .iter()
            .position(|s| std::ptr::eq(s, upstreams[0]))
            .unwrap();
        assert_eq!(
            index.uses(first).map(|s| s.start()).collect::<Vec<_>>(),
            [at("proxy_pass u", 0) + 11]
        );
        // `nobody` is declared nowhere: it is no one's use.
        assert!(index.symbol_at(at("nobody", 0)).is_none());
    }

    #[test]
    fn environments_declare_and_use_names_too() {
        let text = format!(
            "{SPEC}environment dev {{\n    volume cache\n    service web {{\n        add mount cache at /c\n        add after once done\n    }}\n    without job once\n}}\n"
        );
        let index = index(&text);
        let at = |needle: &str| text.find(needle).unwrap();
        let cache = index.symbols.iter().find(|s| s.name == "cache").unwrap();
        assert_eq!(cache.kind, Kind::Volume);
        let environment = index.symbols.iter().position(|s| s.kind == Kind::Environment).unwrap();
        assert_eq!(cache.parent, Some(environment));
        assert_eq!(uses_of(&index, Kind::Volume, "cache"), [at("cache at")]);
        assert!(uses_of(&index, Kind::Service, "web").contains(&(at("service web {\n        add") + 8)));
        assert_eq!(uses_of(&index, Kind::Job, "once"), [at("once done"), at("once\n}")]);
    }

    #[test]
    fn a_carried_index_follows_edits_and_forgets_changed_names() {
        let old = index(SPEC);
        // Two edits: a line added at the top, then a use of `data` changed.
        let added = SPEC.replacen("stack shop", "stack shop\n# added", 1);
        let edited = added.replacen("mount data", "mount dat", 1);
        let changes = [Change::between(SPEC, &added), Change::between(&added, &edited)];
        let carried = old.carried(&changes, &edited);
        let written = |span: Span| &edited[span.range()];
        let volume = carried.symbols.iter().position(|s| s.kind == Kind::Volume).unwrap();
        assert_eq!(written(carried.symbols[volume].name_span), "data");
        assert!(carried.symbols[volume].current);
        assert_eq!(carried.uses(volume).count(), 0, "its one use was edited");
        let key = carried.symbols.iter().position(|s| s.kind == Kind::Secret).unwrap();
        assert_eq!(carried.uses(key).map(written).collect::<Vec<_>>(), ["key"]);
        // A declaration whose name is edited is found by name no more.
        let renamed = edited.replacen("volume data", "volume dta", 1);
        let carried = carried.carried(&[Change::between(&edited, &renamed)], &renamed);
        assert!(!carried.symbols[volume].current);
        assert!(carried.symbol_at(carried.symbols[volume].name_span.start()).is_none());
    }
}
