using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Policy;

/// <summary>
/// One quick mode proposal of a filter action. ESP takes a cipher (AEAD ciphers need no separate integrity; others,
/// including null, need one); AH takes integrity only (Cipher is null).
/// </summary>
public sealed record SecurityMethod(
    SaProtocol Protocol,
    CipherAlgorithm? Cipher,
    IntegrityAlgorithm Integrity,
    int LifetimeSeconds = PolicyDefaults.QuickModeLifetimeSeconds,
    long LifetimeKilobytes = PolicyDefaults.QuickModeLifetimeKilobytes)
{
    /// <summary>High: ESP with encryption and integrity, AES-GCM first.</summary>
    public static readonly EquatableList<SecurityMethod> High = EquatableList.Of(
        new SecurityMethod(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None),
        new SecurityMethod(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256));

    /// <summary>Medium: AH, integrity only.</summary>
    public static readonly EquatableList<SecurityMethod> Medium = EquatableList.Of(
        new SecurityMethod(SaProtocol.Ah, null, IntegrityAlgorithm.Sha256));

    public bool IsLegacy => (Cipher is { } cipher && AlgorithmCatalog.IsLegacy(cipher)) || AlgorithmCatalog.IsLegacy(Integrity);

    /// <summary>
    /// Parses <c>high</c>, <c>medium</c> or a custom method <c>PROTOCOL:ALGORITHMS[@LIFETIME]...</c>:
    /// <c>esp:aes-gcm-128</c>, <c>esp:aes-cbc-256/sha256@3600s@100000kb</c>, <c>esp:null/sha256</c>, <c>ah:sha256@600</c>.
    /// A lifetime ending in <c>kb</c> is kilobytes; one ending in <c>s</c> or with no unit is seconds.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out EquatableList<SecurityMethod>? methods, [NotNullWhen(false)] out string? error)
    {
        methods = null;
        error = null;
        var trimmed = text.Trim();
        if (trimmed.Equals("high", StringComparison.OrdinalIgnoreCase))
        {
            methods = High;
            return true;
        }

        if (trimmed.Equals("medium", StringComparison.OrdinalIgnoreCase))
        {
            methods = Medium;
            return true;
        }

        var parts = trimmed.Split('@');
        var colon = parts[0].IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"invalid security method '{text}': expected high, medium or PROTOCOL:ALGORITHMS such as esp:aes-gcm-128, esp:aes-cbc-256/sha256, ah:sha256, optionally followed by @SECONDS[s] and/or @KILOBYTESkb";
            return false;
        }

        var protocolText = parts[0][..colon];
        var algorithms = parts[0][(colon + 1)..].Split('/');
        SecurityMethod method;
        if (protocolText.Equals("esp", StringComparison.OrdinalIgnoreCase))
        {
            if (algorithms.Length > 2)
            {
                error = $"invalid security method '{text}': ESP takes CIPHER or CIPHER/INTEGRITY";
                return false;
            }

            if (!AlgorithmCatalog.TryParseCipher(algorithms[0], out var cipher))
            {
                error = AlgorithmCatalog.UnknownNameMessage("cipher", algorithms[0], AlgorithmCatalog.CipherSpellings);
                return false;
            }

            var integrity = IntegrityAlgorithm.None;
            if (algorithms.Length == 2 && !AlgorithmCatalog.TryParseIntegrity(algorithms[1], out integrity))
            {
                error = AlgorithmCatalog.UnknownNameMessage("integrity algorithm", algorithms[1], AlgorithmCatalog.IntegritySpellings);
                return false;
            }

            method = new SecurityMethod(SaProtocol.Esp, cipher, integrity);
        }
        else if (protocolText.Equals("ah", StringComparison.OrdinalIgnoreCase))
        {
            if (algorithms.Length != 1)
            {
                error = $"invalid security method '{text}': AH takes one integrity algorithm, e.g. ah:sha256";
                return false;
            }

            if (!AlgorithmCatalog.TryParseIntegrity(algorithms[0], out var integrity))
            {
                error = AlgorithmCatalog.UnknownNameMessage("integrity algorithm", algorithms[0], AlgorithmCatalog.IntegritySpellings);
                return false;
            }

            method = new SecurityMethod(SaProtocol.Ah, null, integrity);
        }
        else
        {
            error = $"unknown IPsec protocol '{protocolText}'; expected one of: esp, ah";
            return false;
        }

        foreach (var lifetime in parts.Skip(1))
        {
            if (!TryApplyLifetime(method, lifetime, out method, out error))
            {
                return false;
            }
        }

        methods = EquatableList.Of(method);
        return true;
    }

    private static bool TryApplyLifetime(SecurityMethod method, string text, out SecurityMethod result, [NotNullWhen(false)] out string? error)
    {
        result = method;
        error = null;
        var lower = text.Trim().ToLowerInvariant();
        if (lower.EndsWith("kb", StringComparison.Ordinal))
        {
            if (long.TryParse(lower[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes) && kilobytes > 0)
            {
                result = method with { LifetimeKilobytes = kilobytes };
                return true;
            }
        }
        else if (int.TryParse(lower.EndsWith('s') ? lower[..^1] : lower, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            result = method with { LifetimeSeconds = seconds };
            return true;
        }

        error = $"invalid lifetime '@{text}': expected @SECONDS, @SECONDSs or @KILOBYTESkb with a positive number, e.g. @3600s@100000kb";
        return false;
    }

    /// <summary>The custom spelling, with lifetimes only when they differ from the defaults; parses back to an equal method.</summary>
    public override string ToString()
    {
        var text = Protocol == SaProtocol.Ah
            ? $"ah:{AlgorithmCatalog.Name(Integrity)}"
            : Integrity == IntegrityAlgorithm.None
                ? $"esp:{AlgorithmCatalog.Name(Cipher ?? CipherAlgorithm.Null)}"
                : $"esp:{AlgorithmCatalog.Name(Cipher ?? CipherAlgorithm.Null)}/{AlgorithmCatalog.Name(Integrity)}";
        if (LifetimeSeconds != PolicyDefaults.QuickModeLifetimeSeconds)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"@{LifetimeSeconds}s");
        }

        if (LifetimeKilobytes != PolicyDefaults.QuickModeLifetimeKilobytes)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"@{LifetimeKilobytes}kb");
        }

        return text;
    }
}
