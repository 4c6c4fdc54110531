import Testing
import VigilJSON

@testable import VigilPrometheus

/// Request building: URLs, encoding, the timeout parameter and auth headers.
@Suite struct PrometheusRequestBuilderTests {
    @Test func queryURLIsEncodedAndCarriesTheTimeout() {
        let b = PrometheusRequestBuilder(source: PrometheusSource(name: "main", url: "http://prom:9090/prefix/", timeout: 10))
        let r = b.query(#"sum by (namespace) (rate(http_requests_total{code=~"5.."}[5m])) > 0.1"#, authorization: nil)
        #expect(r.method == "GET")
        #expect(r.url == "http://prom:9090/prefix/api/v1/query?query=sum%20by%20%28namespace%29%20%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29%20%3E%200.1&timeout=9s")
        #expect(r.timeout == .seconds(10))
        #expect(r.headers.contains { $0 == ("Accept", "application/json") })
        #expect(!r.headers.contains { $0.0 == "Authorization" })
        #expect(b.alerts(authorization: "Bearer t").url == "http://prom:9090/prefix/api/v1/alerts")
        #expect(b.alerts(authorization: "Bearer t").headers.contains { $0 == ("Authorization", "Bearer t") })
    }

    @Test func durationParameter() {
        #expect(PrometheusRequestBuilder.durationParameter(9) == "9s")
        #expect(PrometheusRequestBuilder.durationParameter(2.25) == "2250ms")
        #expect(PrometheusRequestBuilder.durationParameter(0) == "1ms")
    }

    @Test func percentEncodingKeepsOnlyUnreserved() {
        #expect(PrometheusRequestBuilder.percentEncode("a-b_c.d~e f+g&h=é") == "a-b_c.d~e%20f%2Bg%26h%3D%C3%A9")
    }

    @Test func basicAuthHeader() {
        let b = PrometheusRequestBuilder(source: PrometheusSource(name: "m", url: "https://p", basicAuth: .init(username: "vigil", password: "s3cr:t")))
        #expect(b.basicAuthorization == "Basic " + Base64.encode(Array("vigil:s3cr:t".utf8)))
        #expect(b.basicAuthorization == "Basic dmlnaWw6czNjcjp0")
        #expect(PrometheusRequestBuilder(source: PrometheusSource(name: "m", url: "https://p")).basicAuthorization == nil)
    }
}
