using System.Security.Cryptography.X509Certificates;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// Chooses the certificate IKE sends, as Windows 2000 did (the walkthrough's "Configuring Certificate Authentication
/// for a Rule"): of the rule's CAs (in the rule's order) the first one the peer asked for in its certificate requests
/// that we hold a usable certificate from, else the first CA of the rule we hold one from; within a CA the first
/// personal certificate. Usable: it has its private key, is valid now, has a key of the asked kind, and chains
/// (directly or through intermediates the personal store holds) to the trusted root of that name. Pure: no I/O.
/// </summary>
public static class CertificateChooser
{
    private const int MaximumDepth = 8;

    /// <summary>
    /// The certificate to send, or null when no certificate of the rule's CAs is usable. <paramref name="requestedByPeer"/>
    /// holds the authorities of the peer's CERTREQ payloads (empty when it sent none); <paramref name="keyKind"/> is the
    /// signature kind the negotiated method needs (null accepts every kind IKE signs with).
    /// </summary>
    public static ChosenCertificate? Choose(
        IReadOnlyList<PersonalCertificate> personal,
        IReadOnlyList<TrustedAuthority> trusted,
        IReadOnlyList<string> caNames,
        IReadOnlyList<X500DistinguishedName> requestedByPeer,
        CertificateKeyKind? keyKind,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(requestedByPeer);
        var usable = Usable(personal, trusted, caNames, now).Where(c => keyKind is null || CertificateKeyKinds.Of(c.Certificate) == keyKind).ToList();
        var trustedByName = Resolve(trusted, caNames);
        return usable.FirstOrDefault(c => requestedByPeer.Any(requested =>
                SameName(requested, trustedByName[c.CaName].Certificate.SubjectName) || c.Intermediates.Any(i => SameName(requested, i.SubjectName))))
            ?? usable.FirstOrDefault();
    }

    /// <summary>
    /// Every usable certificate (with its private key, valid now, a key IKE signs with, chaining to one of the rule's
    /// trusted CAs), in the rule's CA order then the store's order. A certificate chaining to two of the rule's CAs
    /// appears under each.
    /// </summary>
    public static IReadOnlyList<ChosenCertificate> Usable(
        IReadOnlyList<PersonalCertificate> personal,
        IReadOnlyList<TrustedAuthority> trusted,
        IReadOnlyList<string> caNames,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(personal);
        var trustedByName = Resolve(trusted, caNames);
        var pool = personal.SelectMany(p => p.Intermediates.Prepend(p.Certificate)).Where(CertificateStore.IsCertificateAuthority).ToList();
        var result = new List<ChosenCertificate>();
        foreach (var caName in caNames.Where(trustedByName.ContainsKey).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var root = trustedByName[caName].Certificate;
            foreach (var candidate in personal)
            {
                var certificate = candidate.Certificate;
                if (!certificate.HasPrivateKey || !IsTimeValid(certificate, now) || CertificateKeyKinds.Of(certificate) == CertificateKeyKind.Unsupported)
                {
                    continue;
                }

                var pathPool = candidate.Intermediates.Concat(pool).ToList();
                if (BuildPath(certificate, root, pathPool, now) is { } intermediates)
                {
                    result.Add(new ChosenCertificate(certificate, intermediates, trustedByName[caName].Name));
                }
            }
        }

        return result;
    }

    /// <summary>The signature kinds IKE can offer for the rule: the key kinds of its usable certificates.</summary>
    public static IReadOnlySet<CertificateKeyKind> KeyKinds(
        IReadOnlyList<PersonalCertificate> personal, IReadOnlyList<TrustedAuthority> trusted, IReadOnlyList<string> caNames, DateTimeOffset now) =>
        Usable(personal, trusted, caNames, now).Select(c => CertificateKeyKinds.Of(c.Certificate)).ToHashSet();

    /// <summary>The authorities to request (CERTREQ), in the rule's order: the subject of each named trusted CA; unknown names are skipped.</summary>
    public static IReadOnlyList<X500DistinguishedName> Authorities(IReadOnlyList<TrustedAuthority> trusted, IReadOnlyList<string> caNames)
    {
        var trustedByName = Resolve(trusted, caNames);
        return [.. caNames.Where(trustedByName.ContainsKey).Distinct(StringComparer.OrdinalIgnoreCase).Select(n => trustedByName[n].Certificate.SubjectName)];
    }

    /// <summary>Two names are the same when their DER is, or (PrintableString vs UTF8String) their text is.</summary>
    public static bool SameName(X500DistinguishedName a, X500DistinguishedName b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.RawData.AsSpan().SequenceEqual(b.RawData) || string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The intermediates from <paramref name="certificate"/> up to (not including) <paramref name="root"/>, each
    /// signature checked and each intermediate a CA valid now; null when there is no such path.
    /// </summary>
    internal static List<X509Certificate2>? BuildPath(X509Certificate2 certificate, X509Certificate2 root, IReadOnlyList<X509Certificate2> pool, DateTimeOffset now)
    {
        var path = new List<X509Certificate2>();
        var current = certificate;
        for (var depth = 0; depth < MaximumDepth; depth++)
        {
            if (SameName(current.IssuerName, root.SubjectName) && CertificateSignature.IsSignedBy(current, root))
            {
                return path;
            }

            var issuer = pool.FirstOrDefault(c => c.RawData.AsSpan().SequenceEqual(current.RawData) is false
                && !path.Contains(c)
                && SameName(current.IssuerName, c.SubjectName)
                && CertificateStore.IsCertificateAuthority(c)
                && IsTimeValid(c, now)
                && CertificateSignature.IsSignedBy(current, c));
            if (issuer is null)
            {
                return null;
            }

            path.Add(issuer);
            current = issuer;
        }

        return null;
    }

    internal static bool IsTimeValid(X509Certificate2 certificate, DateTimeOffset now) =>
        now.UtcDateTime >= certificate.NotBefore.ToUniversalTime() && now.UtcDateTime <= certificate.NotAfter.ToUniversalTime();

    private static Dictionary<string, TrustedAuthority> Resolve(IReadOnlyList<TrustedAuthority> trusted, IReadOnlyList<string> caNames)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(caNames);
        var result = new Dictionary<string, TrustedAuthority>(StringComparer.OrdinalIgnoreCase);
        foreach (var authority in trusted)
        {
            result.TryAdd(authority.Name, authority);
        }

        return result;
    }
}
