import Testing

@testable import Kube

@Suite struct RequestBuildingTests {
    @Test func paths() {
        #expect(ResourceDescriptor.pods.path(namespace: "ns", name: "p", subresource: "log") == "/api/v1/namespaces/ns/pods/p/log")
        #expect(ResourceDescriptor.namespaces.path(namespace: "ignored", name: "x") == "/api/v1/namespaces/x")
        #expect(ResourceDescriptor.deployments.path(namespace: nil) == "/apis/apps/v1/deployments")
        let crd = ResourceDescriptor(group: "vigil.dev", version: "v1alpha1", kind: "NamespacePolicy", plural: "namespacepolicies", namespaced: true)
        #expect(crd.path(namespace: "team-a", name: "ttl", subresource: "status") == "/apis/vigil.dev/v1alpha1/namespaces/team-a/namespacepolicies/ttl/status")
    }

    @Test func listAndWatchQueries() {
        let l = KubeRequest.list(.pods, namespace: "a", options: ListOptions(labelSelector: "app in (x,y),!old", limit: 500, continueToken: "abc=="))
        #expect(l.target == "/api/v1/namespaces/a/pods?labelSelector=app%20in%20%28x%2Cy%29%2C%21old&limit=500&continue=abc%3D%3D")
        let w = KubeRequest.watch(.pods, namespace: nil, options: ListOptions(resourceVersion: "77", timeoutSeconds: 300, allowWatchBookmarks: true))
        #expect(w.target == "/api/v1/pods?watch=true&resourceVersion=77&timeoutSeconds=300&allowWatchBookmarks=true")
    }

    @Test func patchAndDelete() {
        let p = KubeRequest.patch(.deployments, namespace: "a", name: "d", subresource: "scale", type: .merge, body: Array("{}".utf8), options: WriteOptions(dryRun: true))
        #expect(p.method == "PATCH")
        #expect(p.contentType == "application/merge-patch+json")
        #expect(p.target == "/apis/apps/v1/namespaces/a/deployments/d/scale?dryRun=All")
        let a = KubeRequest.patch(.configMaps, namespace: "a", name: "c", type: .apply(fieldManager: "vigil", force: true), body: [])
        #expect(a.target == "/api/v1/namespaces/a/configmaps/c?fieldManager=vigil&force=true")
        #expect(a.contentType == "application/apply-patch+yaml")
        let d = KubeRequest.delete(.pods, namespace: "a", name: "p", options: DeleteOptions(preconditionUID: "u-1", propagationPolicy: "Foreground"))
        #expect(String(decoding: d.body ?? [], as: UTF8.self)
            == #"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"u-1"},"propagationPolicy":"Foreground"}"#)
    }

    @Test func selectorQueryForm() {
        let s = LabelSelector(matchLabels: ["app": "web"], matchExpressions: [.init(key: "tier", operator: "In", values: ["b", "a"]), .init(key: "old", operator: "DoesNotExist")])
        #expect(s.queryString == "app=web,tier in (a,b),!old")
        #expect(s.matches(["app": "web", "tier": "a"]))
        #expect(!s.matches(["app": "web", "tier": "a", "old": "1"]))
        #expect(!s.matches(["app": "web"]))
    }

    @Test func statusErrorDecoding() {
        let body = Array(#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#.utf8)
        let e = APIStatusError.from(httpStatus: 404, body: body, retryAfter: nil)
        #expect(e.code == 404 && e.reason == "NotFound" && e.message == "pods \"x\" not found")
        #expect(e.status?.details?.name == "x")
        let throttled = APIStatusError.from(httpStatus: 429, body: Array("slow down".utf8), retryAfter: "3")
        #expect(throttled.reason == "TooManyRequests" && throttled.retryAfterSeconds == 3 && throttled.message == "slow down")
        let bare = APIStatusError.from(httpStatus: 503, body: [], retryAfter: nil)
        #expect(bare.reason == "ServiceUnavailable")
        #expect(bare.message == "the server responded with status 503")
    }

    @Test func tokenBucketAllowsBurstThenQps() {
        var t = TokenBucket(qps: 10, burst: 3)
        #expect((0..<3).map { _ in t.reserve(now: 0) } == [0, 0, 0])
        let debts = (0..<3).map { _ in t.reserve(now: 0) }
        #expect(zip(debts, [0.1, 0.2, 0.3]).allSatisfy { abs($0 - $1) < 1e-9 })
        // 1 s later: 10 tokens refilled, 3 owed, capped at burst 3 → 3 free.
        #expect(t.reserve(now: 1) == 0)
        var u = TokenBucket(qps: 10, burst: 3)
        for _ in 0..<3 { _ = u.reserve(now: 0) }
        #expect(abs(u.reserve(now: 0.05) - 0.05) < 1e-9)  // half a token refilled
        var unlimited = TokenBucket(qps: .infinity, burst: 1)
        #expect((0..<100).allSatisfy { _ in unlimited.reserve(now: 0) == 0 })
    }

    @Test func tokenBucket() {
        var b = TokenBucket(qps: 10, burst: 3)
        #expect(b.reserve(now: 0) == 0)
        #expect(b.reserve(now: 0) == 0)
        #expect(b.reserve(now: 0) == 0)
        #expect(abs(b.reserve(now: 0) - 0.1) < 1e-9)  // the fourth waits one token
        #expect(abs(b.reserve(now: 0) - 0.2) < 1e-9)
        #expect(b.reserve(now: 10) == 0)  // refilled (to burst only)
        #expect(b.reserve(now: 9) == 0)  // an earlier time refills nothing (1 of 3 left after this)
        #expect(b.reserve(now: 10) == 0)
        #expect(abs(b.reserve(now: 10) - 0.1) < 1e-9)
        var unlimited = TokenBucket.unlimited
        #expect(unlimited.isUnlimited && TokenBucket(qps: .infinity, burst: 5).isUnlimited && !b.isUnlimited)
        for _ in 0..<100 { #expect(unlimited.reserve(now: 0) == 0) }
    }
}
