using System.Globalization;
using System.Security.Cryptography;

namespace Rampart.Lab;

/// <summary>
/// A private MIT Kerberos realm for a lab: its database, stash, kdc.conf and krb5.conf in a temporary directory
/// (nothing under /etc or /var/lib/krb5kdc is read or written), host principals with random keys and their keytabs.
/// <see cref="KdcHost"/> serves it. Dispose deletes the directory.
/// </summary>
public sealed class KerberosRealm : IDisposable
{
    public const string DefaultName = "RAMPART.TEST";

    /// <summary>The KDC's documentation address in its namespace.</summary>
    public const string KdcAddress = "198.51.100.88";

    public const int KdcPort = 88;

    private readonly Dictionary<string, string> _environment;

    public KerberosRealm(string name = DefaultName)
    {
        Prerequisites.Require("krb5kdc", "kdb5_util", "kadmin.local");
        Name = name;
        Directory = System.IO.Directory.CreateTempSubdirectory("rampart-lab-realm-").FullName;
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KRB5_CONFIG"] = ClientConfiguration,
            ["KRB5_KDC_PROFILE"] = KdcConfiguration,
        };
        try
        {
            File.WriteAllText(KdcConfiguration, KdcConfigurationText());
            File.WriteAllText(ClientConfiguration, ClientConfigurationText());
            File.WriteAllText(Path.Combine(Directory, "kadm5.acl"), "");
            var master = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            Run("kdb5_util", "create", "-s", "-r", Name, "-P", master);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>The realm's private directory (database, stash, configurations, keytabs, the KDC's log).</summary>
    public string Directory { get; }

    public string KdcConfiguration => Path.Combine(Directory, "kdc.conf");

    /// <summary>A krb5.conf for tools (kadmin.local, klist) that points at this realm's KDC.</summary>
    public string ClientConfiguration => Path.Combine(Directory, "krb5.conf");

    public string KdcLog => Path.Combine(Directory, "kdc.log");

    /// <summary>KRB5_CONFIG and KRB5_KDC_PROFILE for the realm's tools and its KDC.</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>The KDC as <c>rampart realm join --kdc</c> takes it.</summary>
    public static string KdcEndpoint => string.Create(CultureInfo.InvariantCulture, $"{KdcAddress}:{KdcPort}");

    /// <summary>Creates <c>host/HOST@REALM</c> with a random key.</summary>
    public void AddHost(string host) => Run("kadmin.local", "-r", Name, "-q", $"addprinc -randkey {Principal(host)}");

    /// <summary>Exports the host's key to a keytab of its own (ktadd picks a new random key, so older keytabs of it go stale).</summary>
    public string ExportKeytab(string host)
    {
        var path = Path.Combine(Directory, host + "-" + Guid.NewGuid().ToString("N")[..8] + ".keytab");
        Run("kadmin.local", "-r", Name, "-q", $"ktadd -k {path} {Principal(host)}");
        return File.Exists(path) ? path : throw new InvalidOperationException($"kadmin.local wrote no keytab for {Principal(host)}");
    }

    /// <summary>Gives the host a new random key without exporting it: every keytab exported before is wrong from now on.</summary>
    public void ChangeKey(string host) => Run("kadmin.local", "-r", Name, "-q", $"cpw -randkey {Principal(host)}");

    public string Principal(string host) => $"host/{host}@{Name}";

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private void Run(params string[] command)
    {
        var result = Tool.Run(command, TimeSpan.FromSeconds(60), null, _environment).EnsureSuccess(string.Join(' ', command.Take(2)));

        // kadmin.local reports a refused query on stdout and still exits 0.
        if (result.Output.Contains("error", StringComparison.OrdinalIgnoreCase) || result.Error.Contains("error", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{string.Join(' ', command)}: {result.Message}");
        }
    }

    // database_module and [dbmodules]: Debian 12 ignores a realm's database_name and would use /var/lib/krb5kdc.
    private string KdcConfigurationText() => string.Create(CultureInfo.InvariantCulture, $$"""
        [kdcdefaults]
            kdc_listen = {{KdcAddress}}:{{KdcPort}}
            kdc_tcp_listen = {{KdcAddress}}:{{KdcPort}}

        [realms]
            {{Name}} = {
                database_module = lab
                key_stash_file = {{Directory}}/stash
                acl_file = {{Directory}}/kadm5.acl
                max_life = 10h
                max_renewable_life = 7d
            }

        [dbmodules]
            lab = {
                database_name = {{Directory}}/principal
            }

        [logging]
            kdc = FILE:{{Directory}}/kdc.log

        """);

    private string ClientConfigurationText() => string.Create(CultureInfo.InvariantCulture, $$"""
        [libdefaults]
            default_realm = {{Name}}
            dns_canonicalize_hostname = false
            rdns = false
            dns_lookup_kdc = false
            dns_lookup_realm = false
            qualify_shortname = ""

        [realms]
            {{Name}} = {
                kdc = {{KdcAddress}}:{{KdcPort}}
            }

        """);
}
