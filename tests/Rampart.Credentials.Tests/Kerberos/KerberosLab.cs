using Rampart.Credentials.Kerberos;
using Rampart.Lab;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>
/// A private realm (RAMPART.TEST) served by a real krb5kdc in its own namespace, and two hosts A (192.0.2.1,
/// host/a.rampart.test) and B (192.0.2.2, host/b.rampart.test) in the namespaces of a pair, linked to the KDC
/// (198.51.100.1 and .2), each joined to the realm in its own RAMPART_HOME with a keytab of its own. Everything is
/// removed (processes by PID, namespaces, files) when it is disposed, also after a failure. Needs root and Debian's
/// krb5-kdc and krb5-admin-server: it fails without them.
/// </summary>
public sealed class KerberosLab : IDisposable
{
    public const string HostA = "a.rampart.test";
    public const string HostB = "b.rampart.test";

    private readonly List<string> _homes = [];

    public KerberosLab()
    {
        Realm = new KerberosRealm();
        try
        {
            Pair = new NetworkNamespacePair();
            Kdc = Pair.Own(new KdcHost(Realm));
            Kdc.Connect(Pair.A, "198.51.100.1");
            Kdc.Connect(Pair.B, "198.51.100.2");
            Kdc.Start();
            Realm.AddHost(HostA);
            Realm.AddHost(HostB);
            Realm.AddHost("c.rampart.test");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public KerberosRealm Realm { get; }

    public NetworkNamespacePair Pair { get; } = null!;

    public KdcHost Kdc { get; } = null!;

    /// <summary>A RAMPART_HOME joined to the realm as <paramref name="host"/> with a fresh keytab, naming the other host's IKE address.</summary>
    public string Join(string host, string keytab, params string[] peers)
    {
        var home = Path.Combine(Directory.CreateTempSubdirectory("rampart-krb-home-").FullName, "home");
        _homes.Add(Path.GetDirectoryName(home)!);
        new RealmMembershipStore(home).Join(Realm.Name, KerberosRealm.KdcEndpoint, keytab, Realm.Principal(host), peers);
        return home;
    }

    /// <summary>The Kerberos side of the host joined in <paramref name="home"/>, in namespace <paramref name="ns"/>.</summary>
    public KerberosPeerProcess Start(string ns, string home, TimeSpan? timeout = null) =>
        Pair.Own(new KerberosPeerProcess(ns, home, timeout ?? KerberosAuthenticatorOptions.DefaultTimeout));

    public void Dispose()
    {
        Pair?.Dispose();
        Realm.Dispose();
        foreach (var home in _homes)
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
