import Foundation
import Testing
import VigilAPI
import VigilJSON

/// The issue's examples (config/samples/healthcheck-*.yaml) decode exactly
/// as written; every rule reports its field and a message that says what
/// is wrong.
@Suite struct HealthCheckValidatorTests {
    func problems(_ yaml: String, sources: Set<String>? = nil, allowClusterLevel: Bool? = nil) throws -> [String] {
        HealthCheckValidator(options: .init(sources: sources, allowClusterLevel: allowClusterLevel)).problems(in: try TestDocuments.json(yaml)).map(\.description)
    }

    func spec(_ lines: String) -> String {
        "apiVersion: vigil.dev/v1alpha1\nkind: HealthCheck\nmetadata: {name: c, namespace: shop}\nspec:\n" + lines.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    func only(_ lines: String, sources: Set<String>? = nil, allowClusterLevel: Bool? = nil) throws -> String {
        let found = try problems(spec(lines), sources: sources, allowClusterLevel: allowClusterLevel)
        #expect(found.count == 1, "\(found)")
        return found.first ?? ""
    }

    @Test func theHTTPExampleDecodesAsWritten() throws {
        let h = try HealthCheck(json: try TestDocuments.json(try TestDocuments.read("config/samples/healthcheck-http.yaml")))
        #expect(h.name == "checkout-http" && h.namespace == "shop")
        #expect(h.spec.schedule.timing == .every(.seconds(30)))
        guard case .http(let http) = h.spec.check else { Issue.record("not http"); return }
        #expect(http.url == "http://checkout.shop.svc:8080/healthz")
        #expect(http.expectStatus == [200])
        #expect(http.timeout == .seconds(5))
        #expect(http.method == "GET")
        #expect(h.spec.failureThreshold == 2)
        #expect(h.spec.remedy?.actions.map(\.type) == ["restart"])
        #expect(h.spec.remedy?.runsLimit == 3)
        #expect(h.spec.remedy?.resetInterval == .hours(1))
        #expect(h.spec.schedule.summary == "every 30s")
    }

    @Test func theJobExampleDecodesAsWritten() throws {
        let h = try HealthCheck(json: try TestDocuments.json(try TestDocuments.read("config/samples/healthcheck-dns-job.yaml")))
        guard case .cron(let cron) = h.spec.schedule.timing else { Issue.record("not cron"); return }
        #expect(cron.text == "*/5 * * * *")
        #expect(cron.timeZoneIdentifier == "Europe/Berlin")
        #expect(h.spec.schedule.summary == "*/5 * * * * (Europe/Berlin)")
        #expect(h.spec.level == .namespace)
        guard case .job(let job) = h.spec.check else { Issue.record("not a job"); return }
        #expect(job.timeout == .minutes(2))
        #expect(job.template[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "tutum/dnsutils")
        #expect(h.spec.remedy == nil)
        #expect(h.spec.failureThreshold == 1)
    }

    @Test func thePromQLSampleDecodesAndKeepsItsTemplates() throws {
        let h = try HealthCheck(json: try TestDocuments.json(try TestDocuments.read("config/samples/healthcheck-promql.yaml")))
        guard case .promql(let q) = h.spec.check else { Issue.record("not promql"); return }
        #expect(q.failWhen == .nonEmpty)
        #expect(try problems(try TestDocuments.read("config/samples/healthcheck-promql.yaml"), sources: ["default"]).isEmpty)
    }

    @Test func encodingGivesBackWhatWasRead() throws {
        for file in ["healthcheck-http.yaml", "healthcheck-dns-job.yaml", "healthcheck-promql.yaml"] {
            let h = try HealthCheck(json: try TestDocuments.json(try TestDocuments.read("config/samples/" + file)))
            #expect(try HealthCheck(json: h.json) == h, "\(file)")
        }
    }

    @Test func anInvalidCronNamesTheFieldAndThePart() throws {
        let p = try only("schedule: {cron: \"61 * * * *\"}\ncheck: {http: {url: \"http://a/\"}}")
        #expect(p.hasPrefix("spec.schedule.cron: "), "\(p)")
        #expect(p.contains("minute") && p.contains("61"), "\(p)")
    }

    @Test func anUnknownTimeZoneNamesTimeZone() throws {
        let p = try only("schedule: {cron: \"0 * * * *\", timeZone: Europe/Berln}\ncheck: {http: {url: \"http://a/\"}}")
        #expect(p.hasPrefix("spec.schedule.timeZone: "), "\(p)")
        #expect(p.contains("Europe/Berln"), "\(p)")
    }

    @Test func aTimeZoneNeedsCronAndScheduleNeedsExactlyOne() throws {
        #expect(try only("schedule: {every: 1m, timeZone: UTC}\ncheck: {http: {url: \"http://a/\"}}").hasPrefix("spec.schedule.timeZone: timeZone only applies to cron"))
        #expect(try only("schedule: {every: 1m, cron: \"* * * * *\"}\ncheck: {http: {url: \"http://a/\"}}").contains("exactly one of every, cron must be set"))
        #expect(try only("schedule: {every: 500ms}\ncheck: {http: {url: \"http://a/\"}}") == "spec.schedule.every: must be at least 1s")
    }

    @Test func aJobTemplateWithoutContainersIsRejected() throws {
        let p = try only("schedule: {every: 1m}\ncheck: {job: {template: {spec: {restartPolicy: Never}}}}")
        #expect(p.hasPrefix("spec.check.job.template.spec.containers: required: at least one container"), "\(p)")
        let q = try only("schedule: {every: 1m}\ncheck: {job: {template: {spec: {restartPolicy: Always, containers: [{name: a, image: busybox}]}}}}")
        #expect(q.hasPrefix("spec.check.job.template.spec.restartPolicy: "), "\(q)")
        let r = try only("schedule: {every: 1m}\ncheck: {job: {template: {spec: {containers: [{name: a}]}}}}")
        #expect(r.hasPrefix("spec.check.job.template.spec.containers[0].image: required"), "\(r)")
    }

    @Test func aURLWithoutASchemeIsRejected() throws {
        let p = try only("schedule: {every: 1m}\ncheck: {http: {url: checkout.shop.svc/healthz}}")
        #expect(p.hasPrefix("spec.check.http.url: "), "\(p)")
        #expect(p.contains("no http:// or https:// scheme") && p.contains("http://checkout.shop.svc/healthz"), "\(p)")
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://:80/x\"}}").contains("has no host"))
    }

    @Test func httpFieldsAreChecked() throws {
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", method: FETCH}}").hasPrefix("spec.check.http.method: \"FETCH\" is not supported"))
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", expectStatus: [200, 999]}}").hasPrefix("spec.check.http.expectStatus[1]: must be an HTTP status code"))
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", timeout: 10m}}").contains("at most 5m"))
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", headers: [{name: \"bad header\", value: x}]}}").hasPrefix("spec.check.http.headers[0].name: "))
        let vigil = try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", headers: [{name: Accept, value: x}, {name: vigil-run, value: \"1\"}]}}")
        #expect(vigil.hasPrefix("spec.check.http.headers[1].name: headers starting with Vigil- are Vigil's own"), "\(vigil)")
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", method: HEAD, body: x}}").hasPrefix("spec.check.http.body: a HEAD request cannot have a body"))
        #expect(try problems(spec("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\", method: GET, body: x, headers: [{name: User-Agent, value: me}]}}")).isEmpty,
            "a GET may carry a body, and User-Agent replaces Vigil's")
    }

    @Test func aJobIsKeptAtLeastAMinuteAfterItFinishes() throws {
        let job = "schedule: {every: 1m}\ncheck: {job: {ttlSecondsAfterFinished: %d, template: {spec: {containers: [{name: a, image: b}]}}}}"
        #expect(try only(String(format: job, 0)).hasPrefix("spec.check.job.ttlSecondsAfterFinished: "))
        #expect(try only(String(format: job, 59)).contains("60"))
        #expect(try problems(spec(String(format: job, 60))).isEmpty)
    }

    @Test func exactlyOneCheck() throws {
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\"}, promql: {expr: up}}").contains("exactly one of http, job, promql must be set, found http and promql"))
        #expect(try only("schedule: {every: 1m}").hasPrefix("spec.check: required"))
    }

    @Test func levelAndRulesBelongToJobChecks() throws {
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\"}}\nlevel: namespace").hasPrefix("spec.level: level gives a Job check's pod"))
        let job = "schedule: {every: 1m}\ncheck: {job: {template: {spec: {containers: [{name: a, image: b}]}}}}\n"
        #expect(try only(job + "rbacRules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]").hasPrefix("spec.rbacRules: rbacRules only means something with level"))
        #expect(try only(job + "level: namespace\nrbacRules: [{apiGroups: [\"\"], resources: [pods]}]").hasPrefix("spec.rbacRules[0].verbs: required"))
        #expect(try problems(spec(job + "level: namespace\nrbacRules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]")).isEmpty)
    }

    @Test func clusterLevelNeedsTheClusterToAllowIt() throws {
        let job = "schedule: {every: 1m}\ncheck: {job: {template: {spec: {containers: [{name: a, image: b}]}}}}\nlevel: cluster"
        #expect(try only(job, allowClusterLevel: false).hasPrefix("spec.level: cluster-level checks are not allowed"))
        #expect(try problems(spec(job), allowClusterLevel: true).isEmpty)
        #expect(try problems(spec(job)).isEmpty, "without a vigil.yaml the rule is not checked")
    }

    @Test func remedyTemplatesMayNameOnlyWhatTheCheckHas() throws {
        let http = "schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\"}}\n"
        let p = try only(http + "remedy: {actions: [{deletePod: {name: \"{{labels.pod}}\"}}]}")
        #expect(p.hasPrefix("spec.remedy.actions[0].deletePod.name: only a promql check with failWhen: nonEmpty has a failing series"), "\(p)")
        #expect(try only(http + "remedy: {actions: [{event: {reason: X, message: \"{{alert.name}}\"}}]}").contains("a HealthCheck has no alert"))
        #expect(try only(http + "remedy: {actions: [{event: {reason: X, message: \"{{annotations.summary}}\"}}]}").contains("a HealthCheck has no alert annotations"))
        #expect(try problems(spec(http + "remedy: {actions: [{event: {reason: X, message: \"{{resource.name}} in {{namespace}}\"}}]}")).isEmpty)
        let promql = "schedule: {every: 1m}\ncheck: {promql: {expr: up == 0}}\n"
        #expect(try problems(spec(promql + "remedy: {actions: [{deletePod: {name: \"{{labels.pod}}\"}}]}")).isEmpty)
        #expect(try only(http + "remedy: {actions: []}") == "spec.remedy.actions: at least one action is required")
        #expect(try only(http + "remedy: {actions: [{event: {reason: X, message: y}}], runsLimit: 0}").hasPrefix("spec.remedy.runsLimit: "))
    }

    @Test func aPromQLSourceMustBeConfigured() throws {
        let p = try only("schedule: {every: 1m}\ncheck: {promql: {expr: up == 0, source: other}}", sources: ["default"])
        #expect(p == "spec.check.promql.source: \"other\" is not a configured Prometheus source: configured are \"default\"")
        #expect(try only("schedule: {every: 1m}\ncheck: {promql: {expr: up, failWhen: sometimes}}").hasPrefix("spec.check.promql.failWhen: \"sometimes\" is not supported"))
    }

    @Test func unknownFieldsAreNamed() throws {
        #expect(try only("schedule: {every: 1m}\ncheck: {http: {url: \"http://a/\"}}\nfailureTreshold: 2").hasPrefix("spec.failureTreshold: unknown field"))
    }
}
