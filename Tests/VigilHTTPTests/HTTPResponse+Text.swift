import VigilHTTP

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
