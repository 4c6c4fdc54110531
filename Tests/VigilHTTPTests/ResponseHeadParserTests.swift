import Testing
@testable import VigilHTTP

@Suite struct ResponseHeadParserTests {
    @Test func parsesStatusAndHeaders() {
        var p = ResponseHeadParser()
        var done: [Bool] = []
        for line in ["HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n", "X-Multi:  a b \r\n", "\r\n"] {
            done.append(p.consume(line))
        }
        #expect(done == [false, false, false, true])
        #expect(p.isComplete)
        #expect(p.head.status == 200)
        #expect(p.head.httpVersion == "1.1")
        #expect(p.head.headers.map(\.0) == ["content-type", "x-multi"])
        #expect(p.head.headers.map(\.1) == ["application/json", "a b"])
    }

    @Test func skipsInterimResponsesAndIgnoresTrailers() {
        var p = ResponseHeadParser()
        var done: [Bool] = []
        for line in ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/2 201 \r\n", "location: /x\r\n", "\r\n", "trailer: t\r\n", "\r\n"] {
            done.append(p.consume(line))
        }
        #expect(done == [false, false, false, false, true, false, false])
        #expect(p.head.status == 201)
        #expect(p.head.httpVersion == "2")
        #expect(p.head.headers.count == 1)
        #expect(p.head.headers.first?.0 == "location")
    }

    @Test func foldedContinuationLines() {
        var p = ResponseHeadParser()
        for line in ["HTTP/1.0 200 OK\r\n", "X-A: one\r\n", "\t two\r\n", "\r\n"] { _ = p.consume(line) }
        #expect(p.head.httpVersion == "1.0")
        #expect(p.head.headers.first?.1 == "one two")
    }
}
