import Testing
@testable import VigilHTTP

@Suite struct CurlRequestPlanTests {
    @Test func getHasNoBodyAndDisablesExpect() throws {
        let plan = try CurlRequestPlan(request: HTTPRequest(url: "http://h:1/a?b=c", headers: [("Accept", "application/json"), ("X-Empty", "")]), serverName: nil)
        #expect(plan.url == "http://h:1/a?b=c")
        #expect(plan.method == .get)
        #expect(plan.headerLines == ["Accept: application/json", "X-Empty;", "Expect:"])
        #expect(plan.connectTo == nil)
    }

    @Test func bodyMethodsKeepCallerContentType() throws {
        let patch = try CurlRequestPlan(request: HTTPRequest(method: "patch", url: "https://h/x", headers: [("Content-Type", "application/merge-patch+json")], body: [1]), serverName: nil)
        #expect(patch.method == .withBody(method: "PATCH", body: [1]))
        #expect(patch.headerLines == ["Content-Type: application/merge-patch+json", "Expect:"])
        let post = try CurlRequestPlan(request: HTTPRequest(method: "POST", url: "https://h/x"), serverName: nil)
        #expect(post.method == .withBody(method: "POST", body: []))
        #expect(post.headerLines.contains("Content-Type:"), "libcurl's form content type is removed")
        let delete = try CurlRequestPlan(request: HTTPRequest(method: "DELETE", url: "https://h/x"), serverName: nil)
        #expect(delete.method == .custom("DELETE"))
        let head = try CurlRequestPlan(request: HTTPRequest(method: "HEAD", url: "https://h/x"), serverName: nil)
        #expect(head.method == .head)
    }

    @Test func serverNameRewritesURLAndConnectsToOriginalHost() throws {
        let plan = try CurlRequestPlan(request: HTTPRequest(url: "https://10.0.0.1:6443/api?x=1"), serverName: "kubernetes.default")
        #expect(plan.url == "https://kubernetes.default:6443/api?x=1")
        #expect(plan.connectTo == "kubernetes.default:6443:10.0.0.1:6443")
        #expect(plan.headerLines.contains("Host: 10.0.0.1:6443"))
        let defaultPort = try CurlRequestPlan(request: HTTPRequest(url: "https://[::1]/"), serverName: "api")
        #expect(defaultPort.connectTo == "api:443:[::1]:443")
        let plain = try CurlRequestPlan(request: HTTPRequest(url: "http://10.0.0.1/"), serverName: "api")
        #expect(plain.connectTo == nil, "no TLS, no server name")
    }

    @Test func rejectsWhatCannotBeSentSafely() {
        let bad: [HTTPRequest] = [
            HTTPRequest(url: "::"),
            HTTPRequest(url: "file:///etc/passwd"),
            HTTPRequest(url: "http://h/", headers: [("Bad Name", "v")]),
            HTTPRequest(url: "http://h/", headers: [("X", "a\nb")]),
            HTTPRequest(method: "G T", url: "http://h/"),
            HTTPRequest(method: "HEAD", url: "http://h/", body: [1]),
        ]
        for request in bad {
            #expect(throws: HTTPClientError.self) { try CurlRequestPlan(request: request, serverName: nil) }
        }
    }

    @Test func durationsBecomeAtLeastOneMillisecond() {
        #expect(Duration.milliseconds(1500).curlMilliseconds == 1500)
        #expect(Duration.microseconds(10).curlMilliseconds == 1)
        #expect(Duration.zero.curlMilliseconds == 1)
        #expect(Duration.seconds(Int64.max).curlMilliseconds == Int.max)
    }
}
