using System.Text;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// The private krb5.conf a member host uses (never /etc/krb5.conf): its one realm and KDC, and no DNS at all (no SRV
/// lookups for the KDC, no realm from TXT records, no canonicalisation or reverse lookups of host names). Each
/// <c>{ ... }</c> stanza spans several lines: MIT silently ignores the one-line form. Every value was syntax-checked
/// (<see cref="KerberosNames"/>, <see cref="KdcEndpoint"/>), so none can add lines of its own.
/// </summary>
public static class Krb5Configuration
{
    public static string Render(RealmMembership membership, string keytabPath)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentException.ThrowIfNullOrEmpty(keytabPath);
        if (keytabPath.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException("the keytab path may not hold spaces or control characters", nameof(keytabPath));
        }

        var text = new StringBuilder();
        text.Append("# Written by rampart realm join; rewritten on every join, removed by rampart realm leave.\n");
        text.Append("[libdefaults]\n");
        text.Append("    default_realm = ").Append(membership.Realm).Append('\n');
        text.Append("    dns_canonicalize_hostname = false\n");
        text.Append("    rdns = false\n");
        text.Append("    dns_lookup_kdc = false\n");
        text.Append("    dns_lookup_realm = false\n");
        text.Append("    qualify_shortname = \"\"\n");
        text.Append("    default_keytab_name = FILE:").Append(keytabPath).Append('\n');
        text.Append("    default_client_keytab_name = FILE:").Append(keytabPath).Append('\n');
        text.Append("\n[realms]\n");
        text.Append("    ").Append(membership.Realm).Append(" = {\n");
        text.Append("        kdc = ").Append(membership.Kdc).Append('\n');
        text.Append("    }\n");
        text.Append("\n[domain_realm]\n");
        text.Append("    ").Append(membership.Principal.Host).Append(" = ").Append(membership.Realm).Append('\n');
        foreach (var host in membership.Peers.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append("    ").Append(host).Append(" = ").Append(membership.Realm).Append('\n');
        }

        return text.ToString();
    }
}
