import Testing
import VigilAPI
import VigilJSON
import VigilRuntime

/// Decoding, encoding and defaulting.
@Suite struct NamespacePolicyCodingTests {
    typealias T = TestDocuments

    static let full = """
        apiVersion: vigil.dev/v1alpha1
        kind: NamespacePolicy
        metadata:
          name: everything
          namespace: demo
          uid: 0f6e7a4c-1111-2222-3333-444455556666
          generation: 3
          labels: {team: ops}
        spec:
          deactivated: false
          dryRun: true
          namespace: demo
          policies:
            - name: ttl
              condition: {ttl: 90s}
              action: {deleteNamespace: {}}
            - name: expiry
              condition: {expiresAt: "2030-01-31T18:00:00+01:00"}
              action:
                scaleDown:
                  selectors:
                    - {kind: Deployment, labels: {matchLabels: {tier: web}}}
                    - {kind: StatefulSet}
            - name: done
              condition:
                podsSucceeded:
                  selector: {matchExpressions: [{key: job-name, operator: In, values: [e2e]}, {key: skip, operator: DoesNotExist}]}
                  initialDelay: 2m
                  period: 15s
                  minSucceeded: 2
              action:
                webhook:
                  url: https://ci.example.com/hooks/vigil
                  secretRef: {name: ci-webhook, key: v2}
                  timeout: 30s
                  maxAttempts: 8
                  headers: {X-Team: platform, X-Env: ci}
        status:
          observedGeneration: 3
          conditions:
            - {type: Ready, status: "True", reason: PoliciesValid, message: "3 policies armed", lastTransitionTime: "2026-11-22T11:00:00Z", observedGeneration: 3}
            - {type: Fired, status: "False", reason: NotYet, message: "", lastTransitionTime: "2026-11-22T11:00:00Z"}
          policies:
            - {name: ttl, state: Waiting, nextEvaluation: "2026-11-22T11:01:30Z"}
            - {name: expiry, state: Waiting, nextEvaluation: "2030-01-31T17:00:00Z"}
            - {name: done, state: DryRun, lastEvaluation: "2026-11-22T11:05:00Z", message: all 2 pods succeeded, firedAt: "2026-11-22T11:05:00Z"}
          effects:
            - {key: 3f0c0a0e9d8c7b6a5f4e3d2c1b0a9988, action: "webhook:done", phase: Failed, attempts: 2, owner: vigil-7d9f-x2, lastError: "HTTP 503", nextRetryAt: "2026-11-22T11:06:00.5Z", startedAt: "2026-11-22T11:05:29.123456Z", finishedAt: "2026-11-22T11:05:30.000001Z"}
          dryRunActions:
            - {policy: done, action: webhook, description: would POST to https://ci.example.com/hooks/vigil, at: "2026-11-22T11:05:00Z"}
        """

    @Test func decodesEveryField() throws {
        let p = try NamespacePolicy(json: T.json(Self.full))
        #expect(p.name == "everything")
        #expect(p.namespace == "demo")
        #expect(p.uid == "0f6e7a4c-1111-2222-3333-444455556666")
        #expect(p.generation == 3)
        #expect(p.subject == "NamespacePolicy demo/everything")
        #expect(p.spec.isDryRun && !p.spec.isDeactivated)
        #expect(p.targetNamespace == "demo")
        #expect(p.spec.policies.map(\.name) == ["ttl", "expiry", "done"])
        #expect(p.spec.policies[0].condition == .ttl(.seconds(90)))
        #expect(p.spec.policies[0].action == .deleteNamespace)
        #expect(p.spec.policies[1].condition == .expiresAt(RFC3339Time("2030-01-31T17:00:00Z")!))
        #expect(p.spec.policies[1].action == .scaleDown(ScaleDownAction(selectors: [
            .init(kind: .deployment, labels: LabelSelectorSpec(matchLabels: ["tier": "web"])), .init(kind: .statefulSet),
        ])))
        guard case .podsSucceeded(let c) = p.spec.policies[2].condition, case .webhook(let w) = p.spec.policies[2].action else {
            Issue.record("policy 2 decoded as \(p.spec.policies[2])")
            return
        }
        #expect(c.selector.matchExpressions == [.init(key: "job-name", operator: .in, values: ["e2e"]), .init(key: "skip", operator: .doesNotExist)])
        #expect(c.initialDelay == .minutes(2) && c.period == .seconds(15) && c.minSucceeded == 2)
        #expect(w.url == "https://ci.example.com/hooks/vigil")
        #expect(w.secretRef == .init(name: "ci-webhook", key: "v2"))
        #expect(w.timeout == .seconds(30) && w.maxAttempts == 8)
        #expect(w.headers == ["X-Team": "platform", "X-Env": "ci"])

        let status = try #require(p.status)
        #expect(status.observedGeneration == 3)
        #expect(status.condition(NamespacePolicyStatus.readyCondition)?.status == .true)
        #expect(status.condition(NamespacePolicyStatus.firedCondition)?.reason == "NotYet")
        #expect(status.policies.map(\.state) == [.waiting, .waiting, .dryRun])
        // The ledger's entries are kept as stored and read by the one model of them, EffectEntry.
        let effect = try EffectEntry(json: try #require(status.effects.first))
        #expect(effect.phase == .failed)
        #expect(effect.attempts == 2)
        #expect(effect.startedAt.microsecondsSinceEpoch == RFC3339Time("2026-11-22T11:05:29Z")!.microsecondsSinceEpoch + 123_456)
        #expect(status.dryRunActions.first?.description == "would POST to https://ci.example.com/hooks/vigil")
    }

    @Test func encodingGivesBackWhatWasRead() throws {
        let json = try T.json(Self.full)
        let p = try NamespacePolicy(json: json)
        #expect(p.json == json)
        #expect(try NamespacePolicy(json: p.json) == p)
        // The samples and a minimal document too.
        let minimal = try T.json(T.single(condition: "{ttl: 30m}"))
        #expect(try NamespacePolicy(json: minimal).json == minimal)
    }

    @Test func typedValuesRoundTrip() throws {
        let spec = NamespacePolicySpec(policies: [
            NamespacePolicyRule(name: "a", condition: .ttl(GoDuration(milliseconds: 5_400_000)), action: .deleteNamespace),
            NamespacePolicyRule(
                name: "b", condition: .podsSucceeded(PodsSucceededCondition(selector: LabelSelectorSpec(matchLabels: ["x": "y"]))),
                action: .webhook(WebhookAction(url: "https://h.example/x", secretRef: .init(name: "s"), headers: ["X-A": "1"]))),
        ])
        var p = NamespacePolicy(name: "typed", namespace: "ns1", spec: spec)
        p.status = NamespacePolicyStatus(
            observedGeneration: 1,
            conditions: [StatusCondition(type: "Ready", status: .false, reason: "Invalid", message: "m", lastTransitionTime: RFC3339Time(secondsSinceEpoch: 1_800_000_000))],
            policies: [PolicyStatus(name: "a", state: .fired, firedAt: RFC3339Time(secondsSinceEpoch: 1_800_000_100))],
            effects: [["key": "k", "action": "deleteNamespace", "phase": "Succeeded", "attempts": 1, "startedAt": "2027-01-15T08:01:40.250000Z"]],
            dryRunActions: [DryRunAction(policy: "a", action: "deleteNamespace", description: "would delete namespace ns1", at: RFC3339Time(secondsSinceEpoch: 1_800_000_100))])
        let back = try NamespacePolicy(json: p.json)
        #expect(back == p)
        #expect(p.json[path: ["spec", "policies"]]?[0]?[path: ["condition", "ttl"]] == "1h30m0s")
        #expect(p.json[path: ["status", "effects"]]?[0]?["startedAt"] == "2027-01-15T08:01:40.250000Z")
        #expect(try NamespacePolicyStatus(json: p.status!.json) == p.status!)
    }

    @Test func defaultsFillEveryOmittedField() throws {
        let yaml = T.policy("""
                - name: done
                  condition: {podsSucceeded: {selector: {}}}
                  action: {webhook: {url: "https://h.example/x", secretRef: {name: key-secret}}}
                - name: ttl
                  condition: {ttl: 1h}
                  action: {deleteNamespace: {}}
            """)
        let p = try NamespacePolicy(json: T.json(yaml))
        #expect(p.spec.deactivated == nil && p.spec.namespace == nil)
        let d = p.defaulted()
        #expect(d.spec.deactivated == false && d.spec.dryRun == false)
        #expect(d.spec.namespace == "demo")
        guard case .podsSucceeded(let c) = d.spec.policies[0].condition, case .webhook(let w) = d.spec.policies[0].action else {
            Issue.record("unexpected \(d.spec.policies[0])")
            return
        }
        #expect(c.initialDelay?.text == "60s" && c.period?.text == "10s" && c.minSucceeded == 1)
        #expect(w.timeout?.text == "10s" && w.maxAttempts == 5 && w.secretRef?.key == "signing-key")
        #expect(d.spec.policies[1] == p.spec.policies[1])
        // Idempotent, and the effective accessors agree before and after.
        #expect(d.defaulted() == d)
        guard case .podsSucceeded(let raw) = p.spec.policies[0].condition, case .webhook(let rawHook) = p.spec.policies[0].action else { return }
        #expect(raw.effectiveInitialDelay == c.initialDelay && raw.effectivePeriod == c.period && raw.effectiveMinSucceeded == c.minSucceeded)
        #expect(rawHook.effectiveTimeout == w.timeout && rawHook.effectiveMaxAttempts == w.maxAttempts && rawHook.secretRef?.effectiveKey == "signing-key")
        // Set values are kept.
        let set = try NamespacePolicy(json: T.json(T.single(condition: "{ttl: 1h}", spec: "deactivated: true\nnamespace: demo"))).defaulted()
        #expect(set.spec.deactivated == true)
        // Without a namespace of its own, spec.namespace stays unset.
        #expect(NamespacePolicy(name: "x", namespace: nil, spec: p.spec).defaulted().spec.namespace == nil)
    }

    @Test func decodingThrowsEveryProblem() throws {
        let json = try T.json(T.single(condition: "{ttl: 0s}", action: "{webhook: {url: nope}}"))
        let error = #expect(throws: ResourceValidationError.self) { try NamespacePolicy(json: json) }
        #expect(error?.problems.map(\.field) == ["spec.policies[0].condition.ttl", "spec.policies[0].action.webhook.url"])
        #expect(error?.lines.allSatisfy { $0.hasPrefix("NamespacePolicy demo/ttl-policy: spec.policies[0].") } == true)
    }

    @Test func badStatusIsReportedWithItsPath() throws {
        let status: JSON = ["effects": [["key": "k", "phase": "Done", "startedAt": "2026-11-22T11:05:29Z"], "not an entry"], "policies": [["name": "a", "state": "Sleeping"]]]
        let error = #expect(throws: ResourceValidationError.self) { try NamespacePolicyStatus(json: status) }
        #expect(error?.problems.map(\.description) == [
            "status.policies[0].state: \"Sleeping\" is not supported: must be one of Waiting, Evaluating, Fired, Failed, DryRun or Invalid",
            "status.effects[1]: must be an object, found string \"not an entry\"",
        ])
        // An entry's fields are the ledger's to judge, through its one model of them.
        #expect(throws: EffectLedgerError.self) { try EffectEntry(json: status["effects"]![0]!) }
        // Members a newer Vigil may add to status are ignored, not refused.
        let newer: JSON = ["observedGeneration": 2, "shard": "a"]
        #expect(try NamespacePolicyStatus(json: newer).observedGeneration == 2)
    }
}
