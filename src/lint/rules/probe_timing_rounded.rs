use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a `ready` check whose
    /// `every`, `timeout`, `start` or `start_every` is not a whole number
    /// of seconds (`every 500ms`, `timeout 1500ms`).
    ///
    /// ## Why is this bad?
    /// A Kubernetes probe counts in whole seconds, one at least: the check
    /// cannot become a probe as written, and stackc rounds each up
    /// (`500ms` probes every second, a `1500ms` timeout waits two). Compose
    /// runs the check as written, so the stack behaves differently on each.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image example/web:1.0
    ///     ready tcp 8000 every 500ms timeout 250ms
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Whole seconds, the same on both:
    /// ```text
    ///     ready tcp 8000 every 1s timeout 1s
    /// ```
    pub struct ProbeTimingRounded {
        name: "probe-timing-rounded",
        severity: Warning,
        summary: "a readiness timing a Kubernetes probe cannot carry, in parts of a second",
        target: Kubernetes,
    }
}

impl Rule for ProbeTimingRounded {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(ready) = &service.ready else { continue };
            let timings = [
                &ready.interval,
                &ready.timeout,
                &ready.start_period,
                &ready.start_interval,
            ];
            for timing in timings.into_iter().flatten() {
                let millis = timing.value.0;
                if millis >= 1000 && millis.is_multiple_of(1000) {
                    continue;
                }
                let seconds = millis.div_ceil(1000).max(1);
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "`{}`'s probe counts whole seconds: `{}` becomes {seconds}s on a cluster",
                            service.name.value, timing.value
                        ))
                        .primary(timing.span, format!("{seconds}s on a cluster"))
                        .help(format!(
                            "write `{seconds}s`, which compose and a cluster both run as written"
                        )),
                );
            }
        }
    }
}
