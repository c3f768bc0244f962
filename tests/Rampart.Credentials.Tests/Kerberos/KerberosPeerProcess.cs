using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Rampart.Lab;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>
/// A host's Kerberos side in a process of its own (tests/Rampart.KerberosPeer) in a network namespace, joined to a
/// realm through its RAMPART_HOME; requests are lines on its stdin, answered by id (so several can be pending).
/// Dispose kills it by PID.
/// </summary>
public sealed class KerberosPeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _pending = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _errors = new();
    private int _next;

    public KerberosPeerProcess(string ns, string home, TimeSpan timeout)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Rampart.KerberosPeer.dll");
        _process = new Process
        {
            StartInfo = Tool.StartInfo(["ip", "netns", "exec", ns, "dotnet", dll, home, ((int)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]),
        };
        _process.OutputDataReceived += (_, e) => Received(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.Append(e.Data).Append('\n');
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!_ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            Dispose();
            throw new InvalidOperationException("the Kerberos peer did not start: " + Errors);
        }

        Principal = _ready.Task.Result;
    }

    /// <summary>The host's own principal, as its membership names it.</summary>
    public string Principal { get; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Sends one request; the answer is "ok ..." or "fail REASON MESSAGE".</summary>
    public Task<string> SendAsync(params string[] words)
    {
        var id = Interlocked.Increment(ref _next);
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        lock (_process)
        {
            _process.StandardInput.WriteLine(id.ToString(CultureInfo.InvariantCulture) + " " + string.Join(' ', words));
            _process.StandardInput.Flush();
        }

        return answer.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task<string> OkAsync(params string[] words)
    {
        var answer = await SendAsync(words);
        Assert.True(answer.StartsWith("ok", StringComparison.Ordinal), $"{string.Join(' ', words.Take(2))}: {answer}\n{Errors}");
        return answer.Length > 2 ? answer[3..] : "";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        _process.Dispose();
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("ready ", StringComparison.Ordinal))
        {
            _ready.TrySetResult(line[6..]);
            return;
        }

        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && _pending.TryRemove(id, out var answer))
        {
            answer.TrySetResult(line[(space + 1)..]);
        }
    }
}
