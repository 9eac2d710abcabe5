import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { reportUnauthorized, storedApiKey, storeApiKey } from "../../api/apiKey";
import { ApiKeyDialog } from "./ApiKeyDialog";

function renderDialog() {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <ApiKeyDialog />
    </QueryClientProvider>,
  );
}

describe("ApiKeyDialog", () => {
  afterEach(() => storeApiKey(null));

  it("appears on a 401, keeps the key given and goes away", () => {
    renderDialog();
    expect(screen.queryByRole("dialog")).toBeNull();
    act(() => reportUnauthorized());
    const dialog = screen.getByRole("dialog", { name: "API key required" });
    expect(dialog).toHaveTextContent("needs its API key");
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: " s3cret " } });
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(storedApiKey()).toBe("s3cret");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("says so when the stored key was refused", () => {
    storeApiKey("old");
    renderDialog();
    act(() => reportUnauthorized());
    expect(screen.getByRole("dialog")).toHaveTextContent("did not accept the stored key");
  });
});
