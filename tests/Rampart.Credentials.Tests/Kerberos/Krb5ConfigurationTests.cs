using System.Net;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

public sealed class Krb5ConfigurationTests
{
    [Fact]
    public void Render_NoDns_OneRealm_MultiLineStanza()
    {
        var principal = HostPrincipal.For("a.rampart.test", "RAMPART.TEST");
        var kdc = new KdcEndpoint(IPAddress.Parse("2001:db8::88"), 750);
        var membership = new RealmMembership("RAMPART.TEST", kdc, principal, new Dictionary<IPAddress, string> { [IPAddress.Parse("192.0.2.2")] = "b.rampart.test" }, DateTimeOffset.UnixEpoch);

        var text = Krb5Configuration.Render(membership, "/var/lib/rampart/kerberos/host.keytab");

        Assert.Equal(
            """
            # Written by rampart realm join; rewritten on every join, removed by rampart realm leave.
            [libdefaults]
                default_realm = RAMPART.TEST
                dns_canonicalize_hostname = false
                rdns = false
                dns_lookup_kdc = false
                dns_lookup_realm = false
                qualify_shortname = ""
                default_keytab_name = FILE:/var/lib/rampart/kerberos/host.keytab
                default_client_keytab_name = FILE:/var/lib/rampart/kerberos/host.keytab

            [realms]
                RAMPART.TEST = {
                    kdc = [2001:db8::88]:750
                }

            [domain_realm]
                a.rampart.test = RAMPART.TEST
                b.rampart.test = RAMPART.TEST

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void Render_AKeytabPathWithASpace_IsRefused()
    {
        var principal = HostPrincipal.For("a.rampart.test", "RAMPART.TEST");
        var kdc = new KdcEndpoint(IPAddress.Parse("198.51.100.88"), 88);
        var membership = new RealmMembership("RAMPART.TEST", kdc, principal, new Dictionary<IPAddress, string>(), DateTimeOffset.UnixEpoch);

        Assert.Throws<ArgumentException>(() => Krb5Configuration.Render(membership, "/var/lib/my home/host.keytab"));
    }
}
