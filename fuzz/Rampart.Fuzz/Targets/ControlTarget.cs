using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Agent;
using Rampart.Agent.Auditing;
using Rampart.Agent.Control;
using Rampart.Agent.DataPath;
using Rampart.Agent.Tracing;
using Rampart.Core.Control;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// The control socket's request parser: one line as <see cref="ControlServer"/> reads it, through the dispatcher with
/// every command that takes arguments registered with its real argument type. A malformed request must get a clean
/// error; an "internal error" answer means an exception escaped a handler's argument binding, and counts as a crash.
/// </summary>
internal sealed class ControlTarget : IFuzzTarget, IDisposable
{
    // Root may use every command, so the fuzzed request reaches every argument binder.
    private static readonly PeerCredentials Root = new(1, 0, 0, []);

    private readonly ControlServer _server;

    public ControlTarget()
    {
        var dispatcher = new ControlDispatcher();
        Echo<SaAddArguments>(dispatcher, "sa.add");
        Echo<SaDeleteArguments>(dispatcher, "sa.delete");
        Echo<AuditQueryArguments>(dispatcher, "audit.query");
        Echo<AuditSettingsArguments>(dispatcher, "audit.settings");
        Echo<TraceSetArguments>(dispatcher, "trace.set");
        dispatcher.Register("agent.status", _ => ValueTask.FromResult<object?>(null));
        var options = new AgentOptions { Home = Path.GetTempPath() };
        _server = new ControlServer(options, dispatcher, new ControlAccess(options), NullLogger<ControlServer>.Instance);
    }

    public string Name => "control";

    public void Run(ReadOnlySpan<byte> input)
    {
        // The server reads lines: a request never contains a line break.
        var line = Encoding.UTF8.GetString(input).Split('\n')[0].TrimEnd('\r');
        var response = _server.HandleLineAsync(Root, line, CancellationToken.None).GetAwaiter().GetResult();
        JsonSerializer.Serialize(response, ControlJson.Options);
        if (!response.Ok && response.Error!.StartsWith("internal error", StringComparison.Ordinal))
        {
            throw new FuzzInvariantException(response.Error);
        }
    }

    public IEnumerable<(string Name, byte[] Input)> Seeds() =>
    [
        ("agent-status", """{"command":"agent.status"}"""u8.ToArray()),
        ("sa-add", """{"command":"sa.add","arguments":{"src":"192.0.2.1","dst":"192.0.2.2","proto":"esp","spi":4096,"mode":"tunnel","tunnelSrc":"198.51.100.1","tunnelDst":"198.51.100.2","encap":"udp","aead":"aes-gcm-128:00112233445566778899aabbccddeeff00112233","replayWindow":64}}"""u8.ToArray()),
        ("sa-delete", """{"command":"sa.delete","arguments":{"spi":4096}}"""u8.ToArray()),
        ("audit-query", """{"command":"audit.query","arguments":{"since":"2026-11-27T12:00:00+00:00","eventId":541,"limit":10}}"""u8.ToArray()),
        ("audit-settings", """{"command":"audit.settings","arguments":{"success":true,"failure":false,"maximumRecords":100}}"""u8.ToArray()),
        ("trace-set", """{"command":"trace.set","arguments":{"trace":"ike","enabled":true}}"""u8.ToArray()),
        ("unknown", """{"command":"no.such","arguments":[1,2.5,null,"x"]}"""u8.ToArray()),
    ];

    public void Dispose() => _server.Dispose();

    /// <summary>A handler that binds the arguments and answers them back, so the response is serialised too.</summary>
    private static void Echo<TArguments>(ControlDispatcher dispatcher, string command)
        where TArguments : class, new() =>
        dispatcher.Register<TArguments>(command, (arguments, _) => ValueTask.FromResult<object?>(arguments));
}
