import { Navigate } from "react-router-dom";
import { useStrategies } from "../api/queries";
import { Loading } from "../components/common/States";

/** Runs when there is data to look at, else the data page to import some. */
export function HomeRedirect() {
  const strategies = useStrategies();
  if (strategies.isPending) {
    return (
      <div className="page">
        <Loading />
      </div>
    );
  }
  const any = strategies.isSuccess && strategies.data.length > 0;
  return <Navigate to={any ? "/runs" : "/data"} replace />;
}
