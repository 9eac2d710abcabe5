import { Link } from "react-router-dom";
import { Empty } from "../components/common/States";

export function NotFoundPage() {
  return (
    <div className="page">
      <Empty title="No such page">
        <Link to="/">Go to the start page</Link>
      </Empty>
    </div>
  );
}
