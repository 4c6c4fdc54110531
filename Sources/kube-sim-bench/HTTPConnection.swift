import NIOCore
import NIOHTTP1
import NIOPosix

/// A keep-alive HTTP/1.1 connection for the benchmark: requests go one after
/// another; a watch reads the body as it streams.
struct HTTPConnection {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    static func open(host: String, port: Int) async throws -> Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
    }

    struct Response {
        var status: Int
        var body: [UInt8]
    }

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    static func send(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>, host: String, method: HTTPMethod, path: String,
        body: [UInt8]? = nil, contentType: String = "application/json"
    ) async throws {
        var headers = HTTPHeaders([("Host", host), ("Accept", "application/json")])
        if let body {
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.count))
        }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)))
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try await outbound.write(.end(nil))
    }

    static func receive(_ inbound: inout NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator) async throws -> Response {
        var status = 0
        var body: [UInt8] = []
        while let part = try await inbound.next() {
            switch part {
            case .head(let h): status = Int(h.status.code)
            case .body(let b): body += b.readableBytesView
            case .end: return Response(status: status, body: body)
            }
        }
        throw ProtocolError(description: "connection closed before the response ended")
    }
}
