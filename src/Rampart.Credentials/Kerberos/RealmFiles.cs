namespace Rampart.Credentials.Kerberos;

/// <summary>
/// Where a member host's Kerberos state lives: <c>$RAMPART_HOME/kerberos/</c> (0700) with <c>realm.json</c> (the
/// membership, written last on a join and removed first on a leave), <c>krb5.conf</c>, <c>host.keytab</c> (0600) and
/// <c>rcache/</c> (the replay cache, private).
/// </summary>
public sealed class RealmFiles
{
    public RealmFiles(string home)
    {
        ArgumentException.ThrowIfNullOrEmpty(home);
        Home = Path.GetFullPath(home);
        Directory = Path.Combine(Home, "kerberos");
    }

    public string Home { get; }

    public string Directory { get; }

    public string Membership => Path.Combine(Directory, "realm.json");

    public string Configuration => Path.Combine(Directory, "krb5.conf");

    public string Keytab => Path.Combine(Directory, "host.keytab");

    public string ReplayCache => Path.Combine(Directory, "rcache");
}
