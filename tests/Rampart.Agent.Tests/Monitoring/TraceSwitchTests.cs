using Microsoft.Extensions.Logging;
using Rampart.Agent.Control;
using Rampart.Agent.Tracing;
using Rampart.Core.Control;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>What <c>rampart trace ike|agent on|off</c> drives: the trace.set command switching the files, and their rollover.</summary>
public sealed class TraceSwitchTests
{
    [Fact]
    public async Task TraceSet_SwitchesTheIkeTraceOffAndOn_AndTheFileRollsOverAtItsLimit()
    {
        using var home = new TempHome();
        using var traces = new TraceFileLoggerProvider(home.Path, maximumBytes: 4096);
        var dispatcher = new ControlDispatcher();
        await new TraceControl(traces, dispatcher).StartAsync(CancellationToken.None);
        var ike = traces.CreateLogger("Rampart.Ike.V1.QuickMode");

        var off = await Set(dispatcher, "ike", false);
        ike.LogDebug("while off");
        var on = await Set(dispatcher, "ike", true);
        var messages = Enumerable.Range(0, 100).Select(i => $"quick mode message {i} sent").ToList();
        foreach (var message in messages)
        {
            ike.Log(LogLevel.Debug, default, message, null, (text, _) => text);
        }

        Assert.False(off.Result!.Value[0].GetProperty("enabled").GetBoolean());
        Assert.True(on.Result!.Value[0].GetProperty("enabled").GetBoolean());
        Assert.Equal(traces.PathOf(TraceKind.Ike), on.Result.Value[0].GetProperty("path").GetString());
        traces.Flush();
        var path = traces.PathOf(TraceKind.Ike);
        var all = File.ReadAllText(path + ".bak") + File.ReadAllText(path);
        Assert.DoesNotContain("while off", all, StringComparison.Ordinal);
        Assert.Contains("quick mode message 99 sent", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.True(new FileInfo(path).Length <= 4096, "the trace exceeded its size limit");

        var unknown = await dispatcher.DispatchAsync(new ControlRequest("trace.set", ControlArguments("""{"trace":"oakley","enabled":true}""")), CancellationToken.None);
        Assert.False(unknown.Ok);
        Assert.Contains("expected ike or agent", unknown.Error, StringComparison.Ordinal);
    }

    private static Task<ControlResponse> Set(ControlDispatcher dispatcher, string trace, bool enabled) =>
        dispatcher.DispatchAsync(new ControlRequest("trace.set", ControlArguments($$"""{"trace":"{{trace}}","enabled":{{(enabled ? "true" : "false")}}}""")), CancellationToken.None).AsTask();

    private static System.Text.Json.JsonElement ControlArguments(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
}
