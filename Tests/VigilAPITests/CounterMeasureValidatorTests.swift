import Testing
import VigilAPI
import VigilJSON

/// The two examples users will copy from the issue and docs decode exactly
/// as written; every rule reports its field and message.
@Suite struct CounterMeasureValidatorTests {
    static let threadDump = """
        apiVersion: vigil.dev/v1alpha1
        kind: CounterMeasure
        metadata: {name: checkout-thread-dump, namespace: shop}
        spec:
          trigger:
            alert:
              name: HighCPU
              matchers: ['severity=~"warning|critical"']
              includePending: false
          actions:
            - debug:
                pod: "{{labels.pod}}"
                targetContainer: "{{labels.container}}"
                image: eclipse-temurin:21-jdk
                command: ["jcmd", "1", "Thread.print"]
                capture: true
            - deletePod:
                name: "{{labels.pod}}"
          cooldown: 10m
          maxRuns: 5
          resetAfter: 1h
        """

    static let memory = """
        apiVersion: vigil.dev/v1alpha1
        kind: CounterMeasure
        metadata: {name: api-memory, namespace: shop}
        spec:
          trigger:
            promql:
              expr: 'max by (namespace, pod) (container_memory_working_set_bytes{namespace="shop", container!=""})'
              above: 500000000
              for: 30s
          actions:
            - event: {reason: MemoryHigh, message: "{{labels.pod}} uses {{value}} bytes"}
            - restart: {kind: Deployment, name: api}
          dryRun: true
        """

    func problems(_ yaml: String, sources: Set<String>? = nil) throws -> [String] {
        CounterMeasureValidator(options: .init(sources: sources)).problems(in: try TestDocuments.json(yaml)).map(\.description)
    }

    func spec(_ lines: String) -> String {
        "apiVersion: vigil.dev/v1alpha1\nkind: CounterMeasure\nmetadata: {name: c, namespace: shop}\nspec:\n" + lines.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    @Test func theThreadDumpExampleDecodesAsWritten() throws {
        let c = try CounterMeasure(json: try TestDocuments.json(Self.threadDump))
        #expect(c.spec.trigger == .alert(.init(name: "HighCPU", matchers: [AlertMatcher(label: "severity", op: .matches, value: "warning|critical")])))
        #expect(c.spec.actions.map(\.type) == ["debug", "deletePod"])
        guard case .debug(let d) = c.spec.actions[0] else { Issue.record("not debug"); return }
        #expect(d.command.map(\.text) == ["jcmd", "1", "Thread.print"])
        #expect(d.capture && d.image == "eclipse-temurin:21-jdk" && d.targetContainer?.text == "{{labels.container}}")
        #expect(c.spec.cooldown?.text == "10m" && c.spec.maxRuns == 5 && c.spec.resetAfter?.text == "1h")
        #expect(c.spec.effectiveSource == "default" && !c.spec.dryRun)
        #expect(try problems(Self.threadDump, sources: ["default"]) == [])
    }

    @Test func thePromQLExampleDecodesAsWritten() throws {
        let c = try CounterMeasure(json: try TestDocuments.json(Self.memory))
        guard case .promql(let q) = c.spec.trigger else { Issue.record("not promql"); return }
        #expect(q.above == 500_000_000 && q.below == nil && q.forDuration?.text == "30s")
        #expect(q.expr.hasPrefix("max by (namespace, pod)"))
        #expect(c.spec.dryRun)
        #expect(c.spec.trigger.summary == "promql > 500000000 for 30s")
        #expect(c.spec.actions == [
            .event(.init(type: .normal, reason: "MemoryHigh", message: ActionTemplate("{{labels.pod}} uses {{value}} bytes"))),
            .restart(.init(kind: .deployment, name: ActionTemplate("api"))),
        ])
        // Encoding gives back a document that decodes to the same thing.
        #expect(try CounterMeasure(json: c.json).spec == c.spec)
    }

    @Test func exactlyOneTriggerAndOneKeyPerAction() throws {
        #expect(try problems(spec("trigger: {}\nactions: [{deletePod: {name: x}}]")) == ["spec.trigger: exactly one of alert, promql must be set"])
        #expect(try problems(spec("trigger: {alert: {name: A}, promql: {expr: up, above: 1}}\nactions: [{deletePod: {name: x}}]"))
            == ["spec.trigger: exactly one of alert, promql must be set, found alert and promql"])
        let two = try problems(spec("trigger: {alert: {name: A}}\nactions: [{deletePod: {name: x}, restart: {kind: Deployment, name: y}}]"))
        #expect(two == ["spec.actions[0]: exactly one of deletePod, delete, restart, scale, scaleDown, patch, resize, debug, job, webhook, event, deleteNamespace must be set, found deletePod and restart"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: []")) == ["spec.actions: at least one action is required"])
    }

    @Test func templatesAreCheckedBeforeAnythingRuns() throws {
        let p = try problems(spec("trigger: {promql: {expr: up, above: 1}}\nactions: [{deletePod: {name: \"{{pod}}\"}}, {event: {reason: X, message: \"{{alert.name}}\"}}]"))
        #expect(p.count == 2)
        #expect(p[0].hasPrefix("spec.actions[0].deletePod.name: {{pod}} is not a known value"))
        #expect(p[1] == "spec.actions[1].event.message: a promql trigger has no alert: {{alert.name}}, {{alert.fingerprint}} and {{alert.startsAt}} exist only for alert triggers")
    }

    @Test func rulesNameTheFieldAndWhatWouldBeValid() throws {
        #expect(try problems(spec("trigger: {promql: {expr: up}}\nactions: [{deleteNamespace: {}}]"))
            == ["spec.trigger.promql: set above, below or both: the threshold a series' value must pass to fire"])
        #expect(try problems(spec("trigger: {alert: {name: A, matchers: [severity]}}\nactions: [{deleteNamespace: {}}]"))
            == [#"spec.trigger.alert.matchers[0]: "severity" has no operator: write label="value", label!="value", label=~"regex" or label!~"regex""#])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{scale: {kind: DaemonSet, name: x, replicas: 1}}]"))
            == ["spec.actions[0].scale.kind: a DaemonSet has no replicas: scale a Deployment or StatefulSet"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{job: {template: {template: {}}, capture: true}}]"))
            == ["spec.actions[0].job.capture: capture needs wait: true (the log is read after the Job finishes)"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{resize: {pod: p, container: c}}]"))
            == ["spec.actions[0].resize: set memory, cpu or both (quantities such as 768Mi or 500m)"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{event: {reason: lower, message: m}}]"))
            == [#"spec.actions[0].event.reason: "lower" is not a valid reason: use CamelCase letters and digits, starting upper-case, e.g. MemoryHigh"#])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{deleteNamespace: {}}]\nresetAfter: 1h"))
            == ["spec.resetAfter: resetAfter only means something with maxRuns: set maxRuns too"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{deleteNamespace: {}}]\nmaxTargetsPerWindow: {count: 0, window: 1m}"))
            == ["spec.maxTargetsPerWindow.count: 0 is too small: must be at least 1"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{deleteNamespace: {}}]\ncooldwn: 1m"))
            .first?.hasPrefix("spec.cooldwn: unknown field") == true)
    }

    @Test func aJobTemplatesItsStrings() throws {
        let ok = spec("trigger: {alert: {name: A}}\nactions: [{job: {template: {template: {spec: {containers: [{name: j, image: busybox, args: [\"{{labels.pod}}\"]}], restartPolicy: Never}}}}}]")
        #expect(try problems(ok) == [])
        let bad = spec("trigger: {alert: {name: A}}\nactions: [{job: {template: {template: {spec: {containers: [{name: j, image: busybox, args: [\"{{pod}}\"]}]}}}}}]")
        let p = try problems(bad)
        #expect(p.count == 1 && p[0].hasPrefix("spec.actions[0].job.template.template.spec.containers[0].args[0]: {{pod}} is not a known value"), "\(p)")
    }

    @Test func outputsMustComeFromAnActionThatCapturesOne() throws {
        let p = try problems(spec("trigger: {alert: {name: A}}\nactions: [{deletePod: {name: x}}, {event: {reason: R, message: \"{{outputs.0}}\"}}]"))
        #expect(p == ["spec.actions[1].event.message: {{outputs.0}} names action 0 (deletePod), which captures no output: only debug and job with capture: true have one"])
        #expect(try problems(spec("trigger: {alert: {name: A}}\nactions: [{debug: {pod: x, image: i, capture: true}}, {event: {reason: R, message: \"{{outputs.0}}\"}}]")) == [])
    }

    @Test func anUnknownSourceIsAnError() throws {
        let doc = spec("source: thanos\ntrigger: {alert: {name: A}}\nactions: [{deleteNamespace: {}}]")
        #expect(try problems(doc, sources: ["default"]) == [#"spec.source: "thanos" is not a configured Prometheus source: configured are "default""#])
        #expect(try problems(doc, sources: ["default", "thanos"]) == [])
        #expect(try problems(doc) == [])
        // No source configured at all: an alert trigger without spec.source is served by Alertmanager's pushes.
        let pushed = spec("trigger: {alert: {name: A}}\nactions: [{deleteNamespace: {}}]")
        #expect(try problems(pushed, sources: []) == [])
        #expect(try problems(spec("trigger: {promql: {expr: up, above: 1}}\nactions: [{deleteNamespace: {}}]"), sources: []).count == 1)
    }
}
