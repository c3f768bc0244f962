using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Ike.Crypto;

namespace Rampart.Ike.Tests.Crypto;

/// <summary>Known answers for the raw-hash signatures of IKEv1 Main Mode.</summary>
public class IkeSignatureTests
{
    [Fact]
    public void RsaRaw_IsPkcs1Type1OverTheHashWithoutDigestInfo()
    {
        using var rsa = RSA.Create(2048);
        var hash = SHA256.HashData("HASH_I"u8);

        var signature = IkeSignatures.SignRsaRaw(rsa, hash);

        // Independently: EM = 00 01 FF..FF 00 || hash (no DigestInfo), signature = EM^d mod n, k bytes big-endian.
        var p = rsa.ExportParameters(true);
        var k = p.Modulus!.Length;
        var em = new byte[k];
        em[1] = 1;
        for (var i = 2; i < k - hash.Length - 1; i++)
        {
            em[i] = 0xFF;
        }

        hash.CopyTo(em, k - hash.Length);
        var expected = BigInteger.ModPow(Unsigned(em), Unsigned(p.D!), Unsigned(p.Modulus)).ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Equal(k, signature.Length);
        Assert.Equal(expected, signature.AsSpan(k - expected.Length).ToArray());
        Assert.All(signature.AsSpan(0, k - expected.Length).ToArray(), b => Assert.Equal(0, b));

        // .NET's PKCS#1 signature of the same hash carries a DigestInfo, so it differs; ours verifies, a changed one does not.
        Assert.NotEqual(rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), signature);
        Assert.True(IkeSignatures.VerifyRsaRaw(rsa.ExportParameters(false), hash, signature));
        signature[^1] ^= 1;
        Assert.False(IkeSignatures.VerifyRsaRaw(rsa.ExportParameters(false), hash, signature));
        Assert.False(IkeSignatures.VerifyRsaRaw(rsa.ExportParameters(false), hash, signature.AsSpan(1).ToArray()));
    }

    [Fact]
    public void RsaRaw_VerifiesAModPowSignatureAndRefusesALenientPadding()
    {
        using var rsa = RSA.Create(1024);
        var p = rsa.ExportParameters(true);
        var hash = SHA1.HashData("HASH_R"u8);
        var k = p.Modulus!.Length;

        // Fewer than 8 FF bytes before the hash is not a type 1 block this verifier accepts: only the exact one is.
        var shortPadding = new byte[k];
        shortPadding[1] = 1;
        shortPadding.AsSpan(2, 4).Fill(0xFF);
        var forged = Sign(shortPadding, p);
        Assert.False(IkeSignatures.VerifyRsaRaw(rsa.ExportParameters(false), hash, forged));

        var exact = IkeSignatures.Type1Block(hash, k);
        Assert.True(IkeSignatures.VerifyRsaRaw(rsa.ExportParameters(false), hash, Sign(exact, p)));
    }

    [Fact]
    public void Ecdsa_VerifiesTheRfc6979P256SampleSignatureOverTheRawHash()
    {
        // RFC 6979 appendix A.2.5: P-256, message "sample", SHA-256. IKEv1 signs HASH_I itself as the digest (RFC 4754,
        // strongSwan's ECDSA_WITH_NULL): here the "sample" digest stands for it.
        var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Convert.FromHexString("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"),
            Q = new ECPoint
            {
                X = Convert.FromHexString("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
                Y = Convert.FromHexString("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"),
            },
        });
        using (key)
        {
            using var certificate = new CertificateRequest("CN=rfc6979", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
            var digest = SHA256.HashData("sample"u8);
            var signature = Convert.FromHexString(
                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716" +
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");

            Assert.True(IkeSignatures.Verify(certificate, IkeSignatureKind.EcdsaP256, digest, signature));
            Assert.False(IkeSignatures.Verify(certificate, IkeSignatureKind.EcdsaP256, SHA256.HashData("samplf"u8), signature));
            Assert.False(IkeSignatures.Verify(certificate, IkeSignatureKind.EcdsaP256, digest, signature.AsSpan(0, 63).ToArray()));
            Assert.False(IkeSignatures.Verify(certificate, IkeSignatureKind.EcdsaP256, digest, [.. signature, 0]));

            // Our own signature is r | s, 64 bytes, and verifies.
            var ours = IkeSignatures.Sign(certificate, IkeSignatureKind.EcdsaP256, digest);
            Assert.Equal(64, ours.Length);
            Assert.True(IkeSignatures.Verify(certificate, IkeSignatureKind.EcdsaP256, digest, ours));
        }
    }

    [Fact]
    public void KeyKinds_AreReadFromTheCertificate_AndUnusableKeysNamed()
    {
        using var root = V1.TestPki.Root("Kinds Root", IkeSignatureKind.Rsa);
        using var p384 = V1.TestPki.Root("P-384", IkeSignatureKind.EcdsaP384);
        using var p521 = V1.TestPki.Root("P-521", IkeSignatureKind.EcdsaP521);
        using var big = V1.TestPki.ForPublicKey(root, "CN=big", V1.TestPki.RsaPublicKey(16384));
        using var small = V1.TestPki.ForPublicKey(root, "CN=small", V1.TestPki.RsaPublicKey(768));
        using var dsaKey = DSA.Create(1024);
        using var dsa = V1.TestPki.ForPublicKey(root, "CN=dsa", new PublicKey(dsaKey));

        Assert.Equal(IkeSignatureKind.Rsa, IkeSignatures.KindOf(root, out _));
        Assert.Equal(IkeSignatureKind.EcdsaP384, IkeSignatures.KindOf(p384, out _));
        Assert.Equal(IkeSignatureKind.EcdsaP521, IkeSignatures.KindOf(p521, out _));
        Assert.Null(IkeSignatures.KindOf(big, out var bigRefusal));
        Assert.Contains("16384 bits", bigRefusal);
        Assert.Null(IkeSignatures.KindOf(small, out var smallRefusal));
        Assert.Contains("768 bits", smallRefusal);
        Assert.Null(IkeSignatures.KindOf(dsa, out var dsaRefusal));
        Assert.Contains("unsupported public key algorithm", dsaRefusal);
    }

    private static BigInteger Unsigned(byte[] bytes) => new(bytes, isUnsigned: true, isBigEndian: true);

    private static byte[] Sign(byte[] block, RSAParameters p)
    {
        var s = BigInteger.ModPow(Unsigned(block), Unsigned(p.D!), Unsigned(p.Modulus!)).ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[p.Modulus!.Length];
        s.CopyTo(padded, padded.Length - s.Length);
        return padded;
    }
}
