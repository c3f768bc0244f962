using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Ike.Wire;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Rampart.Ike.Crypto;

/// <summary>
/// Main Mode signatures over the raw HASH_I/HASH_R, as every IKEv1 peer makes them (strongSwan's "NULL" schemes):
/// RSA with PKCS#1 v1.5 type 1 padding and no DigestInfo, ECDSA (RFC 4754) as r | s of the curve's field size over
/// the hash itself, with no second hashing (for ECDSA the engine computes that hash with the curve's HMAC-SHA-2).
/// </summary>
public static class IkeSignatures
{
    /// <summary>The smallest and largest RSA moduli accepted from a peer: below is forgeable, above is a CPU sink.</summary>
    public const int MinRsaBits = 1024;

    public const int MaxRsaBits = 8192;

    /// <summary>Public exponents are 65537 in practice; a huge one would make each verification a long computation.</summary>
    private const int MaxRsaExponentBytes = 8;

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>The Main Mode authentication method attribute for a signature kind.</summary>
    public static IkeAuthenticationMethod Method(IkeSignatureKind kind) => kind switch
    {
        IkeSignatureKind.Rsa => IkeAuthenticationMethod.RsaSignatures,
        IkeSignatureKind.EcdsaP256 => IkeAuthenticationMethod.EcdsaSha256,
        IkeSignatureKind.EcdsaP384 => IkeAuthenticationMethod.EcdsaSha384,
        _ => IkeAuthenticationMethod.EcdsaSha512,
    };

    /// <summary>The signature kind an authentication method attribute names; null for anything else.</summary>
    public static IkeSignatureKind? KindOf(IkeAuthenticationMethod method) => method switch
    {
        IkeAuthenticationMethod.RsaSignatures => IkeSignatureKind.Rsa,
        IkeAuthenticationMethod.EcdsaSha256 => IkeSignatureKind.EcdsaP256,
        IkeAuthenticationMethod.EcdsaSha384 => IkeSignatureKind.EcdsaP384,
        IkeAuthenticationMethod.EcdsaSha512 => IkeSignatureKind.EcdsaP521,
        _ => null,
    };

    /// <summary>
    /// The signature kind of a certificate's public key, or null with the reason: a key type other than RSA or ECDSA on
    /// P-256/P-384/P-521 (DSA, Ed25519, other curves), or an RSA modulus outside <see cref="MinRsaBits"/>..<see cref="MaxRsaBits"/>.
    /// </summary>
    public static IkeSignatureKind? KindOf(X509Certificate2 certificate, out string refusal)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        refusal = "";
        var algorithm = certificate.PublicKey.Oid.Value;
        if (algorithm == RsaOid)
        {
            using var rsa = certificate.GetRSAPublicKey();
            var bits = rsa?.KeySize ?? 0;
            if (bits is < MinRsaBits or > MaxRsaBits)
            {
                refusal = $"RSA key of {bits} bits (accepted: {MinRsaBits} to {MaxRsaBits})";
                return null;
            }

            if (rsa!.ExportParameters(false).Exponent is not { Length: > 0 and <= MaxRsaExponentBytes })
            {
                refusal = "RSA public exponent longer than 64 bits";
                return null;
            }

            return IkeSignatureKind.Rsa;
        }

        if (algorithm == EcOid)
        {
            using var ecdsa = certificate.GetECDsaPublicKey();
            var kind = ecdsa is null || !IsNistCurve(ecdsa) ? null : ecdsa.KeySize switch
            {
                256 => IkeSignatureKind.EcdsaP256,
                384 => IkeSignatureKind.EcdsaP384,
                521 => IkeSignatureKind.EcdsaP521,
                _ => (IkeSignatureKind?)null,
            };
            if (kind is null)
            {
                refusal = "elliptic curve key on a curve other than P-256, P-384 or P-521";
            }

            return kind;
        }

        refusal = $"unsupported public key algorithm {certificate.PublicKey.Oid.FriendlyName ?? algorithm}";
        return null;
    }

    /// <summary>Signs <paramref name="hash"/> (HASH_I or HASH_R) with the certificate's private key.</summary>
    public static byte[] Sign(X509Certificate2 certificate, IkeSignatureKind kind, ReadOnlySpan<byte> hash)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (kind == IkeSignatureKind.Rsa)
        {
            using var rsa = certificate.GetRSAPrivateKey() ?? throw new CryptographicException("the certificate has no RSA private key");
            return SignRsaRaw(rsa, hash);
        }

        using var ecdsa = certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the certificate has no ECDSA private key");
        return ecdsa.SignHash(hash.ToArray(), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Checks a peer's signature over <paramref name="hash"/> with the certificate's public key, whose kind
    /// (<see cref="KindOf(X509Certificate2, out string)"/>) must be <paramref name="kind"/>. A signature of the wrong
    /// length is refused before any arithmetic.
    /// </summary>
    public static bool Verify(X509Certificate2 certificate, IkeSignatureKind kind, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (kind == IkeSignatureKind.Rsa)
        {
            using var rsa = certificate.GetRSAPublicKey();
            return rsa is not null && VerifyRsaRaw(rsa.ExportParameters(false), hash, signature);
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        if (ecdsa is null || signature.Length != 2 * ((ecdsa.KeySize + 7) / 8))
        {
            return false;
        }

        return ecdsa.VerifyHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// RSA signature of raw data: EMSA-PKCS1-v1_5 type 1 padding (00 01 FF.. 00 data) without the DigestInfo that
    /// .NET's RSA always adds, so BouncyCastle's RSA core does the private key operation (blinded, CRT).
    /// </summary>
    public static byte[] SignRsaRaw(RSA rsa, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        var p = rsa.ExportParameters(true);
        try
        {
            var key = new Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters(
                Positive(p.Modulus!), Positive(p.Exponent!), Positive(p.D!), Positive(p.P!), Positive(p.Q!), Positive(p.DP!), Positive(p.DQ!), Positive(p.InverseQ!));
            var engine = new Org.BouncyCastle.Crypto.Encodings.Pkcs1Encoding(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine());
            engine.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(key, new Org.BouncyCastle.Security.SecureRandom()));
            var input = data.ToArray();
            var signature = engine.ProcessBlock(input, 0, input.Length);
            var modulusLength = p.Modulus!.Length;
            if (signature.Length == modulusLength)
            {
                return signature;
            }

            var padded = new byte[modulusLength];
            signature.CopyTo(padded, modulusLength - signature.Length);
            return padded;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
            CryptographicOperations.ZeroMemory(p.P);
            CryptographicOperations.ZeroMemory(p.Q);
            CryptographicOperations.ZeroMemory(p.DP);
            CryptographicOperations.ZeroMemory(p.DQ);
            CryptographicOperations.ZeroMemory(p.InverseQ);
        }
    }

    /// <summary>
    /// Verifies a raw-data RSA signature: s^e mod n must be exactly 00 01 FF.. 00 data (at least 8 FF bytes), compared
    /// as a whole block so that no lenient padding parse lets a forged signature through.
    /// </summary>
    public static bool VerifyRsaRaw(RSAParameters publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var modulus = publicKey.Modulus ?? [];
        var k = modulus.Length;
        if (k == 0 || signature.Length != k || data.Length > k - 11)
        {
            return false;
        }

        var n = Positive(modulus);
        var s = Positive(signature.ToArray());
        if (s.CompareTo(n) >= 0)
        {
            return false;
        }

        var m = s.ModPow(Positive(publicKey.Exponent!), n).ToByteArrayUnsigned();
        var recovered = new byte[k];
        m.CopyTo(recovered, k - m.Length);
        return CryptographicOperations.FixedTimeEquals(recovered, Type1Block(data, k));
    }

    /// <summary>The EMSA-PKCS1-v1_5 type 1 block of <paramref name="k"/> bytes around <paramref name="data"/>.</summary>
    public static byte[] Type1Block(ReadOnlySpan<byte> data, int k)
    {
        var block = new byte[k];
        block[1] = 0x01;
        block.AsSpan(2, k - 3 - data.Length).Fill(0xFF);
        data.CopyTo(block.AsSpan(k - data.Length));
        return block;
    }

    private static bool IsNistCurve(ECDsa ecdsa)
    {
        var oid = ecdsa.ExportParameters(false).Curve.Oid?.Value;
        return oid is "1.2.840.10045.3.1.7" or "1.3.132.0.34" or "1.3.132.0.35";
    }

    private static BcBigInteger Positive(byte[] bytes) => new(1, bytes);
}
