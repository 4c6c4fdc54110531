import Testing
import VigilJSON

@testable import VigilPrometheus

/// Decoding canned API bodies, as Prometheus 2.x writes them.
@Suite struct PrometheusResponseTests {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func vectorWithLabelsAndValues() throws {
        let body = """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"container_memory_working_set_bytes","namespace":"shop","pod":"api-0"},"value":[1700000000.123,"209715200"]},
              {"metric":{"namespace":"ops"},"value":[1700000000.123,"1.5e+03"]}]}}
            """
        let r = try PrometheusResponse.decodeQuery(bytes(body))
        #expect(r.warnings.isEmpty && r.infos.isEmpty)
        let s = r.samples
        #expect(s.count == 2)
        #expect(s[0].labels == ["__name__": "container_memory_working_set_bytes", "namespace": "shop", "pod": "api-0"])
        #expect(s[0].namespace == "shop")
        #expect(s[0].value.timestamp == 1700000000.123)
        #expect(s[0].value.value == 209715200)
        #expect(s[1].value.value == 1500)
        #expect(s[1].value.text == "1.5e+03")
    }

    @Test func scalarResult() throws {
        let r = try PrometheusResponse.decodeQuery(bytes(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#))
        #expect(r.value == .scalar(try PrometheusSampleValue(timestamp: 1700000000, text: "42")))
        #expect(r.samples.isEmpty)
    }

    @Test func nanAndInfinities() throws {
        let body = """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"a":"nan"},"value":[1,"NaN"]},
              {"metric":{"a":"pinf"},"value":[1,"+Inf"]},
              {"metric":{"a":"ninf"},"value":[1,"-Inf"]}]}}
            """
        let s = try PrometheusResponse.decodeQuery(bytes(body)).samples
        #expect(s[0].value.value.isNaN)
        #expect(s[1].value.value == .infinity)
        #expect(s[2].value.value == -.infinity)
        // NaN values compare by their text, so an unchanged NaN is unchanged.
        #expect(s[0].value == (try PrometheusSampleValue(timestamp: 1, text: "NaN")))
    }

    @Test func warningsAndInfosAreKept() throws {
        let body = """
            {"status":"success","warnings":["PromQL warning: encountered a mix of histograms and floats"],
             "infos":["PromQL info: metric might not be a counter"],
             "data":{"resultType":"vector","result":[]}}
            """
        let r = try PrometheusResponse.decodeQuery(bytes(body))
        #expect(r.warnings == ["PromQL warning: encountered a mix of histograms and floats"])
        #expect(r.infos == ["PromQL info: metric might not be a counter"])
        #expect(r.value == .vector([]))
    }

    @Test func badDataErrorBody() {
        let body = #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected right parenthesis ')'"}"#
        #expect(throws: PrometheusResponseError.api(errorType: "bad_data", error: "invalid parameter \"query\": 1:5: parse error: unexpected right parenthesis ')'")) {
            try PrometheusResponse.decodeQuery(bytes(body))
        }
        let e = PrometheusResponse.decodeError(bytes(body))
        #expect(e?.errorType == "bad_data")
    }

    @Test func timeoutErrorBodyBecomesAnHTTPErrorNamingTheURL() {
        let body = bytes(#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#)
        let url = "http://prom:9090/api/v1/query?query=up&timeout=9s"
        let error = PrometheusClient.failure(Self.decodeError(body), url: url, status: 503)
        #expect(error == .http(url: url, status: 503, errorType: "timeout", error: "query timed out in expression evaluation"))
        #expect(error.description.contains(url))
        #expect(error.description.contains("503 timeout: query timed out"))
        // A query timeout is the expression's problem, not the server's.
        #expect(!error.isSourceFailure)
        #expect(PrometheusError.http(url: url, status: 503, errorType: nil, error: "Service Unavailable").isSourceFailure)
    }

    static func decodeError(_ body: [UInt8]) -> PrometheusResponseError {
        do {
            _ = try PrometheusResponse.decodeQuery(body)
            return .malformed(field: "test", problem: "decoded")
        } catch {
            return error
        }
    }

    @Test func alertsWithFractionalActiveAt() throws {
        let body = """
            {"status":"success","data":{"alerts":[
              {"labels":{"alertname":"HighMemory","namespace":"shop","severity":"warning"},
               "annotations":{"summary":"api is at 95%"},"state":"firing",
               "activeAt":"2024-05-01T10:20:30.123456789Z","value":"9.5e-01"},
              {"labels":{"alertname":"Pending"},"annotations":{},"state":"pending",
               "activeAt":"2024-05-01T12:20:30.5+02:00","value":"1e+00"}]}}
            """
        let alerts = try PrometheusResponse.decodeAlerts(bytes(body))
        #expect(alerts.count == 2)
        #expect(alerts[0].name == "HighMemory")
        #expect(alerts[0].namespace == "shop")
        #expect(alerts[0].state == .firing)
        #expect(alerts[0].annotations == ["summary": "api is at 95%"])
        #expect(alerts[0].activeAt?.microsecondsSinceEpoch == 1_714_558_830_123_456)
        #expect(alerts[0].value?.value == 0.95)
        #expect(alerts[1].state == .pending)
        #expect(alerts[1].namespace == nil)
        #expect(alerts[1].activeAt?.microsecondsSinceEpoch == 1_714_558_830_500_000)
    }

    @Test(arguments: [
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}"#,
         "data.result[0].value[1]", "expected a string, got integer"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"2"]}]}}"#,
         "data.result[0].metric.a", "expected a string"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"lots"]}]}}"#,
         "data.result[0].value[1]", "'lots' is not a float"),
        (#"{"status":"success","data":{"resultType":"vector"}}"#, "data.result", "missing"),
        (#"{"status":"success","data":{"resultType":"vector","result":{}}}"#, "data.result", "expected an array, got object"),
        (#"{"status":"success"}"#, "data", "missing"),
        (#"{"status":"success","data":{"resultType":"scalar","result":["x","1"]}}"#, "data.result[0]", "expected a number"),
        (#"{"data":{}}"#, "status", "missing"),
        (#"{"status":"success","data":{"resultType":"vector","result":[]}"#, "body", "not JSON"),
        (#"<html>Bad Gateway</html>"#, "body", "not JSON"),
    ])
    func malformedQueryNamesTheField(body: String, field: String, problem: String) {
        let error = Self.decodeError(bytes(body))
        guard case .malformed(let f, let p) = error else {
            Issue.record("expected .malformed, got \(error)")
            return
        }
        #expect(f == field)
        #expect(p.contains(problem), "\(p)")
        #expect(error.description.contains(field))
    }

    @Test func malformedAlertsNameTheField() {
        let cases: [(String, String)] = [
            (#"{"status":"success","data":{"alerts":[{"labels":{},"state":"resolved"}]}}"#, "data.alerts[0].state"),
            (#"{"status":"success","data":{"alerts":[{"labels":{},"state":"firing","activeAt":"yesterday"}]}}"#, "data.alerts[0].activeAt"),
            (#"{"status":"success","data":{"alerts":[{"state":"firing"}]}}"#, "data.alerts[0].labels"),
            (#"{"status":"success","data":{}}"#, "data.alerts"),
        ]
        for (body, field) in cases {
            do {
                _ = try PrometheusResponse.decodeAlerts(bytes(body))
                Issue.record("decoded \(body)")
            } catch {
                guard case .malformed(let f, _) = error else {
                    Issue.record("expected .malformed for \(body), got \(error)")
                    continue
                }
                #expect(f == field)
            }
        }
    }

    @Test func matrixAndStringAreRefusedByName() {
        let matrix = Self.decodeError(bytes(#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}"#))
        #expect(matrix == .unsupportedResultType("matrix"))
        #expect(matrix.description.contains("a range vector; use an instant vector expression"))
        let string = Self.decodeError(bytes(#"{"status":"success","data":{"resultType":"string","result":[1,"hello"]}}"#))
        #expect(string == .unsupportedResultType("string"))
        #expect(string.description.contains("resultType string"))
    }
}
