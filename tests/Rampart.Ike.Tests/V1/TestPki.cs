using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Ike.Tests.V1;

/// <summary>Certificates made in the test with CertificateRequest: roots, intermediates and hosts of each key kind.</summary>
internal static class TestPki
{
    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2028, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static int _serial;

    public static X509Certificate2 Root(string name, IkeSignatureKind kind)
    {
        using var key = NewKey(kind);
        var request = Request($"CN={name}", key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(NotBefore, NotAfter);
    }

    public static X509Certificate2 Intermediate(X509Certificate2 issuer, string name, IkeSignatureKind kind)
    {
        using var key = NewKey(kind);
        var request = Request($"CN={name}", key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return WithKey(request.Create(issuer, NotBefore, NotAfter, Serial()), key);
    }

    /// <summary>A host certificate with its private key and the given subjectAltNames.</summary>
    public static X509Certificate2 Host(X509Certificate2 issuer, string subject, IkeSignatureKind kind, string[]? dnsNames = null, IPAddress[]? addresses = null)
    {
        using var key = NewKey(kind);
        var request = Request(subject, key);
        AddNames(request, dnsNames, addresses);
        return WithKey(request.Create(issuer, NotBefore, NotAfter, Serial()), key);
    }

    /// <summary>A certificate for an arbitrary public key (a DSA key, a forged RSA modulus), signed by an RSA root.</summary>
    public static X509Certificate2 ForPublicKey(X509Certificate2 rsaIssuer, string subject, PublicKey publicKey)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), publicKey, HashAlgorithmName.SHA256);
        using var issuerKey = rsaIssuer.GetRSAPrivateKey()!;
        var generator = X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1);
        return request.Create(rsaIssuer.SubjectName, generator, NotBefore, NotAfter, Serial());
    }

    /// <summary>An RSA public key of <paramref name="bits"/> bits whose modulus is random (no private key exists for it).</summary>
    public static PublicKey RsaPublicKey(int bits)
    {
        var modulus = RandomNumberGenerator.GetBytes(bits / 8);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(modulus, isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(65537);
        }

        return new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(writer.Encode()));
    }

    public static IkeCertificateCredential Credential(X509Certificate2 host, params X509Certificate2[] intermediates) =>
        new(host, [.. intermediates.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))]);

    private static AsymmetricAlgorithm NewKey(IkeSignatureKind kind) => kind switch
    {
        IkeSignatureKind.Rsa => RSA.Create(2048),
        IkeSignatureKind.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        IkeSignatureKind.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP521),
    };

    private static CertificateRequest Request(string subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, ecdsa.KeySize > 256 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        using (certificate)
        {
            return key switch
            {
                RSA rsa => certificate.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                _ => throw new ArgumentOutOfRangeException(nameof(key)),
            };
        }
    }

    private static void AddNames(CertificateRequest request, string[]? dnsNames, IPAddress[]? addresses)
    {
        if ((dnsNames?.Length ?? 0) + (addresses?.Length ?? 0) == 0)
        {
            return;
        }

        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames ?? [])
        {
            names.AddDnsName(dns);
        }

        foreach (var address in addresses ?? [])
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
    }

    private static byte[] Serial() => BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000);
}
