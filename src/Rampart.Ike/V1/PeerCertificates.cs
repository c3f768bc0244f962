using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>A peer's certificates as received in MM5/MM6, end-entity first, with the signature kind of its key.</summary>
internal sealed record PeerCertificateChain(X509Certificate2 EndEntity, IReadOnlyList<X509Certificate2> Intermediates, IkeSignatureKind Kind) : IDisposable
{
    public void Dispose()
    {
        EndEntity.Dispose();
        foreach (var intermediate in Intermediates)
        {
            intermediate.Dispose();
        }
    }
}

/// <summary>
/// What the engine checks of a peer's certificates itself, on hostile input: their number and size, that they parse,
/// the end-entity key (kind, size, matching the negotiated method), and that the peer's ID is the certificate's
/// (subject DN, subjectAltName dNSName or iPAddress). Trust, dates, EKU and revocation are the host's.
/// </summary>
internal static class PeerCertificates
{
    /// <summary>The end-entity and up to seven intermediates: deeper chains are not built by anyone honest.</summary>
    public const int MaxCertificates = 8;

    /// <summary>An RSA 8192 certificate with many names stays well under this.</summary>
    public const int MaxCertificateBytes = 16 * 1024;

    /// <summary>CERTREQ authorities read from one message at most.</summary>
    public const int MaxRequestedAuthorities = 32;

    /// <summary>Loads the X.509 signature CERT payloads; false with the refusal when they are unusable for <paramref name="negotiated"/>.</summary>
    public static bool TryLoad(IEnumerable<CertificatePayload> payloads, IkeSignatureKind negotiated, out PeerCertificateChain? chain, out string refusal)
    {
        chain = null;
        var x509 = payloads.Where(p => p.Encoding == CertificatePayload.X509Signature).ToList();
        if (x509.Count == 0)
        {
            refusal = "no X.509 certificate in the peer's message";
            return false;
        }

        if (x509.Count > MaxCertificates)
        {
            refusal = $"{x509.Count} certificates (at most {MaxCertificates} accepted)";
            return false;
        }

        if (x509.FirstOrDefault(p => p.Data.Length > MaxCertificateBytes) is { } large)
        {
            refusal = $"a certificate of {large.Data.Length} bytes (at most {MaxCertificateBytes} accepted)";
            return false;
        }

        var loaded = new List<X509Certificate2>();
        try
        {
            foreach (var payload in x509)
            {
                loaded.Add(X509CertificateLoader.LoadCertificate(payload.Data));
            }

            var kind = IkeSignatures.KindOf(loaded[0], out var keyRefusal);
            if (kind is null || kind != negotiated)
            {
                refusal = kind is null ? keyRefusal : $"a {kind} key where the negotiated method is {negotiated}";
                DisposeAll(loaded);
                return false;
            }

            chain = new PeerCertificateChain(loaded[0], loaded[1..], kind.Value);
            refusal = "";
            return true;
        }
        catch (CryptographicException e)
        {
            DisposeAll(loaded);
            refusal = $"a certificate that does not parse ({e.Message})";
            return false;
        }
    }

    /// <summary>Whether the ID payload names the certificate: its subject, or one of its subjectAltName DNS names or addresses.</summary>
    public static bool IdentityMatches(IdentificationPayload id, X509Certificate2 certificate)
    {
        try
        {
            switch (id.IdType)
            {
                case IdentificationType.DerAsn1Dn:
                    if (id.Data.SequenceEqual(certificate.SubjectName.RawData))
                    {
                        return true;
                    }

                    // Same name, different encoding (PrintableString against UTF8String): compare the decoded forms.
                    var named = new X500DistinguishedName(id.Data.ToArray()).Format(false);
                    return named.Length > 0 && string.Equals(named, certificate.SubjectName.Format(false), StringComparison.Ordinal);
                case IdentificationType.Fqdn:
                    var fqdn = Encoding.ASCII.GetString(id.Data);
                    return AlternativeNames(certificate) is { } dns && dns.EnumerateDnsNames().Any(n => string.Equals(n, fqdn, StringComparison.OrdinalIgnoreCase));
                case IdentificationType.Ipv4Address when id.Data.Length == 4:
                case IdentificationType.Ipv6Address when id.Data.Length == 16:
                    var address = new IPAddress(id.Data);
                    return AlternativeNames(certificate) is { } ips && ips.EnumerateIPAddresses().Any(a => a.Equals(address));
                default:
                    return false;
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The ID for our certificate: its subject DN, its first subjectAltName dNSName (else the DN), or our address.</summary>
    public static IdentificationPayload IdentityFor(X509Certificate2 certificate, IdentificationType type, IPAddress local)
    {
        if (type == IdentificationType.Fqdn && AlternativeNames(certificate)?.EnumerateDnsNames().FirstOrDefault() is { } dns)
        {
            return new IdentificationPayload(IdentificationType.Fqdn, 0, 0, Encoding.ASCII.GetBytes(dns));
        }

        if (type is IdentificationType.Ipv4Address or IdentificationType.Ipv6Address)
        {
            return IdentificationPayload.ForAddress(local);
        }

        return new IdentificationPayload(IdentificationType.DerAsn1Dn, 0, 0, certificate.SubjectName.RawData);
    }

    /// <summary>The authorities of a peer's CERTREQs (X.509 signature type, non-empty, parsable), in order.</summary>
    public static List<X500DistinguishedName> RequestedAuthorities(IEnumerable<IsakmpPayload> payloads)
    {
        var authorities = new List<X500DistinguishedName>();
        foreach (var request in payloads.OfType<CertificateRequestPayload>().Take(MaxRequestedAuthorities))
        {
            if (request.CertificateType != CertificatePayload.X509Signature || request.Authority.IsEmpty)
            {
                continue;
            }

            try
            {
                var name = new X500DistinguishedName(request.Authority.ToArray());
                _ = name.Format(false); // decodes: a garbage authority is skipped here, not in the chooser
                authorities.Add(name);
            }
            catch (CryptographicException)
            {
            }
        }

        return authorities;
    }

    /// <summary>Our CERTREQs: one per requested authority, or one with an empty authority (any CA) when there are none.</summary>
    public static IEnumerable<IsakmpPayload> Requests(IkeCertificateAuthentication authentication) =>
        authentication.RequestedAuthorities.Count == 0
            ? [new CertificateRequestPayload(CertificatePayload.X509Signature, [])]
            : authentication.RequestedAuthorities.Select(a => new CertificateRequestPayload(CertificatePayload.X509Signature, a.RawData));

    /// <summary>An ID payload as text for the audit and the monitor.</summary>
    public static string Describe(IdentificationPayload id)
    {
        try
        {
            return id.IdType switch
            {
                IdentificationType.DerAsn1Dn => new X500DistinguishedName(id.Data.ToArray()).Format(false),
                IdentificationType.Fqdn or IdentificationType.UserFqdn => Encoding.ASCII.GetString(id.Data),
                IdentificationType.Ipv4Address when id.Data.Length == 4 => new IPAddress(id.Data).ToString(),
                IdentificationType.Ipv6Address when id.Data.Length == 16 => new IPAddress(id.Data).ToString(),
                _ => $"{id.IdType} ({id.Data.Length.ToString(CultureInfo.InvariantCulture)} bytes)",
            };
        }
        catch (CryptographicException)
        {
            return $"{id.IdType} (undecodable)";
        }
    }

    private static X509SubjectAlternativeNameExtension? AlternativeNames(X509Certificate2 certificate) =>
        certificate.Extensions["2.5.29.17"] is { } extension ? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical) : null;

    private static void DisposeAll(List<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
