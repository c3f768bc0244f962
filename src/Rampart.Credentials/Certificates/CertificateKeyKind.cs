using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Credentials.Certificates;

/// <summary>The public key kinds IKE can sign with (RFC 2409 RSA, RFC 4754 ECDSA); anything else is listed but never chosen.</summary>
public enum CertificateKeyKind
{
    Unsupported,
    Rsa,
    EcdsaP256,
    EcdsaP384,
}

public static class CertificateKeyKinds
{
    /// <summary>The kind of the certificate's public key.</summary>
    public static CertificateKeyKind Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        switch (certificate.GetKeyAlgorithm())
        {
            case "1.2.840.113549.1.1.1":
                return CertificateKeyKind.Rsa;
            case "1.2.840.10045.2.1":
                using (var ecdsa = certificate.GetECDsaPublicKey())
                {
                    return ecdsa?.ExportParameters(false).Curve.Oid.Value switch
                    {
                        "1.2.840.10045.3.1.7" => CertificateKeyKind.EcdsaP256,
                        "1.3.132.0.34" => CertificateKeyKind.EcdsaP384,
                        _ => CertificateKeyKind.Unsupported,
                    };
                }

            default:
                return CertificateKeyKind.Unsupported;
        }
    }

    /// <summary>How <c>cert list</c> shows a key: <c>RSA 2048</c>, <c>ECDSA P-256</c>.</summary>
    public static string Describe(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Of(certificate) switch
        {
            CertificateKeyKind.Rsa => $"RSA {KeySize(certificate)}",
            CertificateKeyKind.EcdsaP256 => "ECDSA P-256",
            CertificateKeyKind.EcdsaP384 => "ECDSA P-384",
            _ => $"unsupported ({certificate.PublicKey.Oid.FriendlyName ?? certificate.GetKeyAlgorithm()})",
        };
    }

    private static int KeySize(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        return rsa?.KeySize ?? 0;
    }

    /// <summary>Whether <paramref name="key"/> is a kind IKE can sign with; DSA and others are refused at import.</summary>
    internal static bool IsSupported(AsymmetricAlgorithm key) => key switch
    {
        RSA => true,
        ECDsa ecdsa => ecdsa.KeySize is 256 or 384,
        _ => false,
    };
}
