namespace Rampart.Credentials.Kerberos;

/// <summary>
/// A computer's Kerberos identity, <c>host/NAME@REALM</c> (the walkthrough's "Kerberos based Identity"). Built only
/// by <see cref="KerberosNames.TryParseHostPrincipal"/> or from parts already checked there: the host lower case.
/// </summary>
public sealed record HostPrincipal
{
    public const string Service = "host";

    internal HostPrincipal(string host, string realm)
    {
        Host = host;
        Realm = realm;
    }

    public string Host { get; }

    public string Realm { get; }

    /// <summary>A principal for a host name and realm; throws <see cref="ArgumentException"/> on bad syntax.</summary>
    public static HostPrincipal For(string host, string realm)
    {
        if (!KerberosNames.TryParseHost(host, out var name, out var error) || !KerberosNames.TryParseRealm(realm, out _, out error))
        {
            throw new ArgumentException(error);
        }

        return new HostPrincipal(name, realm);
    }

    /// <summary>What GSS-API takes as the target name: <c>host/NAME</c>, the realm coming from the configuration's default.</summary>
    public string TargetName => Service + "/" + Host;

    public override string ToString() => $"{Service}/{Host}@{Realm}";
}
