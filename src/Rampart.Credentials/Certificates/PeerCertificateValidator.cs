using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.X509;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// Checks a peer's certificate the way the walkthrough's rule does: its chain must end at one of the trusted root
/// CAs the rule names (only those roots: never the system's store, never a download), every certificate of it valid
/// now, the IKE EKU present when the rule asks for it, and, at CRL level 1 or 2, not revoked according to the CRLs of
/// its issuers (level 2 also refuses when no valid CRL can be had). Runs off the IKE loop: CRL fetches take time.
/// </summary>
public sealed partial class PeerCertificateValidator
{
    /// <summary>The "IP security IKE intermediate" EKU (Windows; strongSwan's <c>pki --flag ikeIntermediate</c>).</summary>
    public const string IkeIntermediateEku = "1.3.6.1.5.5.8.2.2";

    /// <summary>RFC 4945's id-kp-ipsecIKE, which newer peers write instead; either satisfies <c>cert:CA:ike-eku</c>.</summary>
    public const string IpsecIkeEku = "1.3.6.1.5.5.7.3.17";

    /// <summary>A peer sending more intermediates than this is refused before any chain is built.</summary>
    public const int MaximumIntermediates = 8;

    private readonly Func<CertificateTrust> _trust;
    private readonly CrlCache _crls;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary><paramref name="trust"/> reads the trusted roots and CRL level for each validation (e.g. <see cref="CertificateTrust.From"/>).</summary>
    public PeerCertificateValidator(Func<CertificateTrust> trust, CrlCache crls, TimeProvider timeProvider, ILogger<PeerCertificateValidator>? logger = null)
    {
        _trust = trust ?? throw new ArgumentNullException(nameof(trust));
        _crls = crls ?? throw new ArgumentNullException(nameof(crls));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? NullLogger<PeerCertificateValidator>.Instance;
    }

    public PeerCertificateValidator(CertificateStore store, CrlCache crls, TimeProvider timeProvider, ILogger<PeerCertificateValidator>? logger = null)
        : this(() => CertificateTrust.From(store), crls, timeProvider, logger)
    {
    }

    /// <summary>Validates <paramref name="endEntity"/> (with the intermediates the peer sent) against the rule's CAs, in order.</summary>
    public async Task<CertificateCheckResult> ValidateAsync(
        X509Certificate2 endEntity,
        IReadOnlyList<X509Certificate2> intermediates,
        IReadOnlyList<string> caNames,
        bool requireIkeEku,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endEntity);
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(caNames);
        var result = await CheckAsync(endEntity, intermediates, caNames, requireIkeEku, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            LogRefused(_logger, endEntity.Subject, result.KindName, result.Reason);
        }

        return result;
    }

    private async Task<CertificateCheckResult> CheckAsync(
        X509Certificate2 endEntity, IReadOnlyList<X509Certificate2> intermediates, IReadOnlyList<string> caNames, bool requireIkeEku, CancellationToken cancellationToken)
    {
        if (intermediates.Count > MaximumIntermediates)
        {
            return CertificateCheckResult.Invalid(CertificateCheckKind.Untrusted, string.Create(CultureInfo.InvariantCulture,
                $"the peer sent {intermediates.Count} intermediate certificates; at most {MaximumIntermediates} are accepted"));
        }

        var now = _time.GetUtcNow();
        if (!CertificateChooser.IsTimeValid(endEntity, now))
        {
            return Expired(endEntity, now);
        }

        if (requireIkeEku && !HasIkeEku(endEntity))
        {
            return CertificateCheckResult.Invalid(CertificateCheckKind.Eku,
                $"{endEntity.Subject} lacks the IP security IKE intermediate extended key usage ({IkeIntermediateEku} or {IpsecIkeEku}) the rule requires");
        }

        var trust = _trust();
        var (chain, authority, failure) = BuildChain(endEntity, intermediates, caNames, trust.Trusted, now);
        if (chain is null)
        {
            return failure!;
        }

        if (trust.CrlCheckLevel != CrlCheckLevel.None)
        {
            // Every certificate below the root, each against the CRLs of the one above it.
            for (var i = 0; i < chain.Count - 1; i++)
            {
                var revocation = await CheckRevocationAsync(chain[i], chain[i + 1], trust.CrlCheckLevel, cancellationToken).ConfigureAwait(false);
                if (revocation is not null)
                {
                    return revocation;
                }
            }
        }

        return CertificateCheckResult.Valid(authority!.Name);
    }

    /// <summary>The chain from the end entity to the first of the rule's trusted CAs it reaches, or why there is none.</summary>
    private static (IReadOnlyList<X509Certificate2>? Chain, TrustedAuthority? Authority, CertificateCheckResult? Failure) BuildChain(
        X509Certificate2 endEntity, IReadOnlyList<X509Certificate2> intermediates, IReadOnlyList<string> caNames, IReadOnlyList<TrustedAuthority> trusted, DateTimeOffset now)
    {
        var named = caNames
            .Select(n => trusted.FirstOrDefault(a => a.Name.Equals(n, StringComparison.OrdinalIgnoreCase)))
            .OfType<TrustedAuthority>()
            .ToList();
        if (named.Count == 0)
        {
            return (null, null, CertificateCheckResult.Invalid(CertificateCheckKind.Untrusted, caNames.Count == 1
                ? $"the rule's CA '{caNames[0]}' is not in the trusted root store"
                : $"the rule's CAs ({string.Join(", ", caNames.Select(n => $"'{n}'"))}) are not in the trusted root store"));
        }

        CertificateCheckResult? firstFailure = null;
        foreach (var authority in named)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority.Certificate);
            chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            var built = chain.Build(endEntity);
            var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
            var endsAtAuthority = elements.Count > 0 && elements[^1].RawData.AsSpan().SequenceEqual(authority.Certificate.RawData);
            if (built && endsAtAuthority)
            {
                return (elements, authority, null);
            }

            firstFailure ??= Classify(chain, elements, endsAtAuthority, authority, endEntity, now);
        }

        return (null, null, named.Count == 1 ? firstFailure : CertificateCheckResult.Invalid(firstFailure!.Kind,
            $"{firstFailure.Reason} (nor does it chain to any other CA of the rule: {string.Join(", ", named.Skip(1).Select(a => $"'{a.Name}'"))})"));
    }

    private static CertificateCheckResult Classify(X509Chain chain, List<X509Certificate2> elements, bool endsAtAuthority, TrustedAuthority authority, X509Certificate2 endEntity, DateTimeOffset now)
    {
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (endsAtAuthority && (flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            var stale = elements.FirstOrDefault(c => !CertificateChooser.IsTimeValid(c, now)) ?? endEntity;
            return Expired(stale, now);
        }

        if (endsAtAuthority && (flags & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            return CertificateCheckResult.Invalid(CertificateCheckKind.Eku, $"{endEntity.Subject}: an extended key usage in its chain does not allow this use");
        }

        var detail = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return CertificateCheckResult.Invalid(CertificateCheckKind.Untrusted,
            $"{endEntity.Subject} (issued by {endEntity.Issuer}) does not chain to the trusted CA '{authority.Name}' ({authority.Certificate.Subject})"
            + (detail.Length > 0 ? $": {detail}" : ""));
    }

    private async Task<CertificateCheckResult?> CheckRevocationAsync(X509Certificate2 certificate, X509Certificate2 issuer, CrlCheckLevel level, CancellationToken cancellationToken)
    {
        var points = CrlDistributionPoints.HttpOf(certificate);
        if (points.Count == 0)
        {
            return level == CrlCheckLevel.Strict
                ? CertificateCheckResult.Invalid(CertificateCheckKind.CrlUnavailable, $"no CRL covers {certificate.Subject}: it names no http:// CRL distribution point (CRL checking level 2)")
                : null;
        }

        var serial = new X509CertificateParser().ReadCertificate(certificate.RawData);
        var failures = new List<string>();
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var point in points)
        {
            var fetch = await _crls.GetAsync(point, issuer, cancellationToken).ConfigureAwait(false);
            if (fetch.Crl is not { } crl)
            {
                failures.Add(fetch.Failure!);
                continue;
            }

            // A revocation is final: a verified CRL that lists the certificate refuses it even when it is stale.
            if (crl.IsRevoked(serial))
            {
                var entry = crl.GetRevokedCertificate(serial.SerialNumber);
                return CertificateCheckResult.Invalid(CertificateCheckKind.Revoked, string.Create(CultureInfo.InvariantCulture,
                    $"{certificate.Subject} (serial {certificate.SerialNumber}) is revoked since {entry?.RevocationDate:yyyy-MM-dd HH:mm:ss} UTC according to the CRL at {point}"));
            }

            if (crl.NextUpdate is { } next && now > next.ToUniversalTime())
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"the CRL at {point} expired at {next.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC"));
                continue;
            }

            return null;
        }

        return level == CrlCheckLevel.Strict
            ? CertificateCheckResult.Invalid(CertificateCheckKind.CrlUnavailable, $"no valid CRL for {certificate.Subject} (CRL checking level 2): {string.Join("; ", failures)}")
            : null;
    }

    private static bool HasIkeEku(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value is IkeIntermediateEku or IpsecIkeEku));

    private static CertificateCheckResult Expired(X509Certificate2 certificate, DateTimeOffset now) =>
        CertificateCheckResult.Invalid(CertificateCheckKind.Expired, now.UtcDateTime < certificate.NotBefore.ToUniversalTime()
            ? string.Create(CultureInfo.InvariantCulture, $"{certificate.Subject} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC")
            : string.Create(CultureInfo.InvariantCulture, $"{certificate.Subject} expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC"));

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "peer certificate {Subject} refused ({Kind}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string kind, string reason);
}
