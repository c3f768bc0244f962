using Microsoft.Extensions.Logging;
using Rampart.Credentials.Kerberos;

namespace Rampart.Agent.Ike;

/// <summary>
/// At agent start: the realm membership under <c>RAMPART_HOME</c>, if any, with the native library's environment set
/// once for the process (<see cref="KerberosEnvironment.Apply"/>) and the GSS workers. A damaged membership is logged and
/// treated as none: Kerberos methods are then skipped with the realm join hint, other methods keep working.
/// </summary>
public static partial class KerberosStartup
{
    public static IkeKerberosHost Load(string home, TimeProvider time, ILogger logger)
    {
        var store = new RealmMembershipStore(home, time);
        RealmMembership? membership;
        try
        {
            membership = store.Load();
        }
        catch (Exception e) when (e is RealmMembershipException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogMembershipUnusable(logger, e.Message);
            return new(null);
        }

        if (membership is null)
        {
            return new(null);
        }

        KerberosEnvironment.Apply(store.Files);
        var authenticator = new KerberosAuthenticator(new KerberosAuthenticatorOptions { KeytabPath = store.Files.Keytab }, time);
        LogJoined(logger, membership.Principal, membership.Kdc);
        return new(new IkeKerberosServices(membership, authenticator, new PeerPrincipalResolver(membership)));
    }

    [LoggerMessage(EventId = 515, Level = LogLevel.Warning, Message = "The Kerberos realm membership is unusable, Kerberos methods are skipped: {Reason}")]
    private static partial void LogMembershipUnusable(ILogger logger, string reason);

    [LoggerMessage(EventId = 516, Level = LogLevel.Information, Message = "Kerberos: joined as {Principal}, KDC {Kdc}")]
    private static partial void LogJoined(ILogger logger, HostPrincipal principal, KdcEndpoint kdc);
}

/// <summary>The host's Kerberos services, or none when it has joined no realm.</summary>
public sealed record IkeKerberosHost(IkeKerberosServices? Services);
