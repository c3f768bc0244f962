using System.Diagnostics.CodeAnalysis;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// Syntax checks for what the administrator and the resolver hand to Kerberos: realm names, host names and host
/// principals. Only plain DNS-like characters pass, so a value can never break out of the private krb5.conf stanza
/// it is written into (no spaces, braces, '=', quotes, newlines or control characters).
/// </summary>
public static class KerberosNames
{
    public const int MaxRealmLength = 255;
    public const int MaxHostLength = 253;

    /// <summary>A realm: upper-case letters, digits, '.', '-' and '_', dot-separated labels, e.g. RAMPART.TEST.</summary>
    public static bool TryParseRealm(string? text, [NotNullWhen(true)] out string? realm, [NotNullWhen(false)] out string? error)
    {
        realm = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "a realm name is required (e.g. RAMPART.TEST)";
            return false;
        }

        if (text.Length > MaxRealmLength || !AreLabels(text, c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_'))
        {
            error = $"invalid realm '{Printable(text)}': use upper-case letters, digits, '-' and '_' in dot-separated labels (e.g. RAMPART.TEST)";
            return false;
        }

        realm = text;
        error = null;
        return true;
    }

    /// <summary>A host name as DNS spells it (letters, digits, '-', dot-separated labels of at most 63), lower-cased.</summary>
    public static bool TryParseHost(string? text, [NotNullWhen(true)] out string? host, [NotNullWhen(false)] out string? error)
    {
        host = null;
        var trimmed = text?.TrimEnd('.');
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxHostLength
            || !AreLabels(trimmed, c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-')
            || trimmed.Split('.').Any(label => label.Length > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            error = $"invalid host name '{Printable(text ?? "")}': use letters, digits and '-' in dot-separated labels (e.g. b.rampart.test)";
            return false;
        }

        host = trimmed.ToLowerInvariant();
        error = null;
        return true;
    }

    /// <summary>Parses <c>host/NAME@REALM</c>; the realm must be <paramref name="realm"/> when given.</summary>
    public static bool TryParseHostPrincipal(
        string? text, string? realm, [NotNullWhen(true)] out HostPrincipal? principal, [NotNullWhen(false)] out string? error)
    {
        principal = null;
        const string Expected = "expected host/NAME@REALM (e.g. host/a.rampart.test@RAMPART.TEST)";
        if (string.IsNullOrEmpty(text) || !text.StartsWith(HostPrincipal.Service + "/", StringComparison.Ordinal))
        {
            error = $"invalid principal '{Printable(text ?? "")}': {Expected}";
            return false;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || text.IndexOf('@', at + 1) >= 0)
        {
            error = $"invalid principal '{Printable(text)}': {Expected}";
            return false;
        }

        var hostText = text[(HostPrincipal.Service.Length + 1)..at];
        if (!TryParseHost(hostText, out var host, out var hostError) || hostText != host)
        {
            error = $"invalid principal '{Printable(text)}': {hostError ?? "the host name must be lower case"}";
            return false;
        }

        if (!TryParseRealm(text[(at + 1)..], out var principalRealm, out var realmError))
        {
            error = $"invalid principal '{Printable(text)}': {realmError}";
            return false;
        }

        if (realm is not null && principalRealm != realm)
        {
            error = $"principal '{text}' is not in realm {realm}";
            return false;
        }

        principal = new HostPrincipal(host, principalRealm);
        error = null;
        return true;
    }

    /// <summary>A value for an error message: control characters shown as '?', so hostile input cannot forge output lines.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var shown = text.Length > 80 ? text[..80] + "..." : text;
        return string.Create(shown.Length, shown, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private static bool AreLabels(string text, Func<char, bool> allowed) =>
        text.Split('.').All(label => label.Length > 0 && label.All(allowed));
}
