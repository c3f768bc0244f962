using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Rampart.Core.Policy;

/// <summary>How two computers prove their identities in main mode: Kerberos, a pre-shared key or a certificate from a CA.</summary>
public abstract record AuthenticationMethod
{
    public const string Mask = "********";

    public static readonly AuthenticationMethod Kerberos = new KerberosMethod();

    /// <summary>
    /// Parses <c>kerberos</c>, <c>psk:KEY</c>, <c>cert:CA-NAME</c> or <c>cert:CA-NAME:ike-eku</c>. A blank key is parsed
    /// and left to validation.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out AuthenticationMethod? method, [NotNullWhen(false)] out string? error)
    {
        error = null;
        method = null;
        if (text.Trim().Equals("kerberos", StringComparison.OrdinalIgnoreCase))
        {
            method = Kerberos;
        }
        else if (text.StartsWith("psk:", StringComparison.OrdinalIgnoreCase))
        {
            method = new PreSharedKey(text[4..]);
        }
        else if (text.StartsWith("cert:", StringComparison.OrdinalIgnoreCase))
        {
            var name = text[5..].Trim();
            var requireIkeEku = name.EndsWith(Certificate.IkeEkuSuffix, StringComparison.OrdinalIgnoreCase);
            method = new Certificate(requireIkeEku ? name[..^Certificate.IkeEkuSuffix.Length].Trim() : name, requireIkeEku);
        }
        else
        {
            // Never echo the text: it may be a mistyped key.
            error = "invalid authentication method: expected kerberos, psk:KEY or cert:CA-NAME[:ike-eku]";
        }

        return method is not null;
    }

    /// <summary>The command-line spelling, with any key masked.</summary>
    public abstract override string ToString();

    public sealed record KerberosMethod : AuthenticationMethod
    {
        public override string ToString() => "kerberos";
    }

    /// <summary>The key stays out of ToString and display JSON; equality is constant-time.</summary>
    public sealed record PreSharedKey(string Secret) : AuthenticationMethod
    {
        public bool Equals(PreSharedKey? other) =>
            other is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(other.Secret));

        public override int GetHashCode() => typeof(PreSharedKey).GetHashCode();

        public override string ToString() => "psk:" + Mask;
    }

    /// <summary>
    /// Certificate authentication trusting the named root CA; with <paramref name="RequireIkeEku"/> the peer's
    /// certificate must carry the IP security IKE intermediate extended key usage (any is accepted otherwise).
    /// </summary>
    public sealed record Certificate(string CaName, bool RequireIkeEku = false) : AuthenticationMethod
    {
        public const string IkeEkuSuffix = ":ike-eku";

        public override string ToString() => "cert:" + CaName + (RequireIkeEku ? IkeEkuSuffix : "");
    }
}
