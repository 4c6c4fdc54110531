import Testing
import VigilJSON
import VigilRuntime

/// SHA-256, HMAC-SHA256, hex and base64 against published vectors
/// (FIPS 180-2 appendix B, RFC 4231 §4, RFC 4648 §10).
@Suite struct EffectLedgerCryptoTests {
    @Test func sha256MatchesFIPS180Vectors() {
        #expect(Hex.encode(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacMatchesRFC4231Vectors() {
        let hiThere = HMACSHA256.authenticate(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There")
        #expect(Hex.encode(hiThere) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let jefe = HMACSHA256.authenticate(key: Array("Jefe".utf8), message: "what do ya want for nothing?")
        #expect(Hex.encode(jefe) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let dd = HMACSHA256.authenticate(key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))
        #expect(Hex.encode(dd) == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        #expect(Hex.encode(HMACSHA256.authenticate(key: longKey, message: "Test Using Larger Than Block-Size Key - Hash Key First"))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let message7 = "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        #expect(Hex.encode(HMACSHA256.authenticate(key: longKey, message: message7))
            == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test func hmacTakesEmptyKeyAndMessage() {
        // openssl dgst -sha256 -hmac "" </dev/null
        #expect(Hex.encode(HMACSHA256.authenticate(key: [UInt8](), message: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        #expect(HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.constantTimeEquals([1, 2], [1, 2, 3]))
    }

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zh==") == nil)  // non-zero leftover bits
        #expect(Base64.decode("Zg=") == nil)
    }

    @Test func hexRoundTrips() {
        #expect(Hex.encode([0x00, 0x7f, 0xff, 0xab]) == "007fffab")
        #expect(Hex.decode("007FffAB") == [0x00, 0x7f, 0xff, 0xab])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
