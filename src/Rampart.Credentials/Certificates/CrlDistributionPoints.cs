using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Rampart.Credentials.Certificates;

/// <summary>Reads a certificate's CRL distribution points (RFC 5280 4.2.1.13): the URIs of its full names.</summary>
public static class CrlDistributionPoints
{
    private const string ExtensionOid = "2.5.29.31";

    /// <summary>Every URI the certificate names, in order; a damaged extension yields none.</summary>
    public static IReadOnlyList<string> Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[ExtensionOid];
        if (extension is null)
        {
            return [];
        }

        try
        {
            var uris = new List<string>();
            foreach (var point in CrlDistPoint.GetInstance(Asn1Object.FromByteArray(extension.RawData)).GetDistributionPoints())
            {
                if (point.DistributionPointName is not { Type: DistributionPointName.FullName } name)
                {
                    continue;
                }

                uris.AddRange(GeneralNames.GetInstance(name.Name).GetNames()
                    .Where(n => n.TagNo == GeneralName.UniformResourceIdentifier)
                    .Select(n => DerIA5String.GetInstance(n.Name).GetString()));
            }

            return uris;
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>The distribution points Rampart fetches: plain http:// URLs (LDAP and file URLs are never followed).</summary>
    public static IReadOnlyList<Uri> HttpOf(X509Certificate2 certificate) =>
        [.. Of(certificate)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .Where(u => u.Scheme == Uri.UriSchemeHttp)];
}
